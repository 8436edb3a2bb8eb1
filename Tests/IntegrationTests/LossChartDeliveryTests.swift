import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI
import TrainBellCore

/// The completion of a job that reported its loss reaches real dunst (under Xvfb) with the loss curve
/// as its `image-data` picture, which dunst draws as the bubble's icon.
@Suite(.serialized) struct LossChartDeliveryTests {
    /// dunst draws `image-data` as the icon on the left, at its size up to 128 px.
    static let iconConfiguration = """
        [global]
            icon_position = left
            min_icon_size = 0
            max_icon_size = 128
        """

    /// 201 reports: the loss falls from 2.31 to 0.42 with a wiggle; eval_loss every 20 steps.
    static func loss(_ step: Int) -> Double {
        let s = Double(step)
        return 0.42 + 1.89 * pow(1 - s / 200, 3) + 0.08 * sin(s / 5) * s * (200 - s) / 10_000
    }
    static func evalLoss(_ step: Int) -> Double { 0.55 + 1.9 * pow(1 - Double(step) / 200, 2) }
    static let steps = Array(0...200)

    static func report(_ client: DaemonClient, job: String) throws {
        for step in steps {
            var values = ["loss": loss(step), "lr": 1e-4]
            if step % 20 == 0 { values["eval_loss"] = evalLoss(step) }
            try client.api.reportMetrics(job, step: UInt64(step), values, noReply: step != steps.last)
        }
    }

    static var artifacts: String {
        var dir = #filePath
        for _ in 0..<3 { dir = (dir as NSString).deletingLastPathComponent }
        return dir + "/.build/test-artifacts"
    }

    @Test func theCompletionOfAJobWithMetricsShowsItsLossCurveOnDunst() throws {
        let session = try DunstSession(extraDunstConfiguration: Self.iconConfiguration)
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        let daemonName = try #require(client.connection.nameOwner(DaemonProcess.busName))

        _ = try client.startJob("run", title: "Llama fine-tune", total: 200)
        try Self.report(client, job: "run")
        try client.progress("run", 200)

        let delivered = session.recorder.wait(timeout: 10) { events in
            events.contains { $0.notifyCall?.sender == daemonName && $0.notifyCall?.returnedID != nil
                && $0.notifyCall?.hints["category"] == .string("x-trainbell.completion") }
        }
        let call = try #require(session.recorder.notifies.last { $0.hints["category"] == .string("x-trainbell.completion") },
                                "no completion reached dunst; trainbelld's log:\n\(daemon.log)")
        try #require(delivered, "dunst did not answer the completion; its log:\n\(session.dunst.log)")
        #expect(call.body == "Llama fine-tune finished after 200 steps.\nloss 2.31 → 0.42")

        // The hint is well formed, (iiibiiay), and holds exactly the chart of what was reported.
        let hint = try #require(call.hints["image-data"], "hints sent: \(call.hints.keys.sorted())")
        #expect(hint.type.signature == "(iiibiiay)")
        let curve = try #require(LossCurve(
            name: "loss", points: Self.steps.map { .init(step: UInt64($0), value: Self.loss($0)) },
            evaluation: Self.steps.filter { $0 % 20 == 0 }.map { .init(step: UInt64($0), value: Self.evalLoss($0)) }))
        let expected = LossChart().image(of: curve)
        guard case .structure(let fields) = hint, fields.count == 7, case .array(.byte, let bytes) = fields[6] else {
            Issue.record("image-data is \(hint.type.signature)")
            return
        }
        #expect(Array(fields.prefix(6)) == [.int32(128), .int32(128), .int32(512), .boolean(true), .int32(8), .int32(4)])
        #expect(bytes.count == 512 * 128)
        #expect(bytes == expected.bytes.map { .byte($0) })

        // dunst took it and shows it: one bubble, with the curve's orange on the screen.
        let counts = try session.dunst.waitForCounts { $0.displayed == 1 }
        #expect(counts.displayed == 1)
        var shot = try Screenshot.ofX11Root(display: session.display.display)
        let orange = RGB(LossChart.mainColor.red, LossChart.mainColor.green, LossChart.mainColor.blue)
        let deadline = Date().addingTimeInterval(5)
        while !shot.holds(orange) && Date() < deadline {
            usleep(100_000)
            shot = try Screenshot.ofX11Root(display: session.display.display)
        }
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let kept = Self.artifacts + "/dunst-loss-chart.png"
        try? FileManager.default.removeItem(atPath: kept)
        try FileManager.default.copyItem(atPath: shot.path, toPath: kept)
        print("screenshot of dunst showing the loss curve: \(kept)")
        let rows = shot.rows(holding: orange)
        #expect(shot.holds(orange), "the curve's colour is not on the screen: \(kept)")
        // The loss falls across most of the 112 px plot: its colour spans that many rows.
        #expect((rows.map(\.y).max() ?? 0) - (rows.map(\.y).min() ?? 0) >= 90, "rows \(rows.first?.y ?? -1)…\(rows.last?.y ?? -1): \(kept)")
        let blue = RGB(LossChart.evaluationColor.red, LossChart.evaluationColor.green, LossChart.evaluationColor.blue)
        #expect(shot.holds(blue), "eval_loss is not on the screen: \(kept)")

        // The history keeps the text, never the pixels.
        let record = try #require(try client.history("run").last)
        #expect(record["message"] == .string("Llama fine-tune finished after 200 steps.\nloss 2.31 → 0.42"))
        #expect(record.keys.allSatisfy { !$0.contains("image") })
    }

    @Test func lossChartFalseSendsTheLineWithoutThePicture() throws {
        let session = try DunstSession(extraDunstConfiguration: Self.iconConfiguration)
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus, configuration: "[notifications]\nloss-chart=false\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)

        _ = try client.startJob("run", title: "Llama fine-tune", total: 200)
        try Self.report(client, job: "run")
        #expect(try client.api.completeJob("run", message: "early stop") > 0)

        let calls = session.recorder.waitForNotifies(count: 1)
        let call = try #require(calls.last, "no completion reached dunst; trainbelld's log:\n\(daemon.log)")
        #expect(call.body.hasSuffix("\nloss 2.31 → 0.42"), "body: \(call.body)")
        #expect(call.hints["image-data"] == nil)
    }

    @Test func theDigestOfAJobThatFinishedDuringDoNotDisturbCarriesItsLossAndChart() throws {
        let session = try DunstSession(extraDunstConfiguration: Self.iconConfiguration)
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        func dnd(_ on: Bool) -> Bool {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if (try? client.api.doNotDisturb()) == DoNotDisturbReply(active: on, source: "dunst") { return true }
                usleep(50_000)
            }
            return false
        }

        _ = try client.startJob("run", title: "Llama fine-tune", total: 200)
        try session.dunst.setPaused(true)
        try #require(dnd(true), "the daemon did not follow dunst's pause; log:\n\(daemon.log)")
        try Self.report(client, job: "run")
        try client.progress("run", 200)
        #expect(try client.history("run").last?["delivery"] == .string("suppressed-dnd"))
        try session.dunst.setPaused(false)
        #expect(dnd(false))

        let delivered = session.recorder.wait(timeout: 10) { events in
            events.contains { $0.notifyCall?.summary == "While you were away" }
        }
        let digest = try #require(session.recorder.notifies.last, "no digest; log:\n\(daemon.log)")
        try #require(delivered, "sent: \(session.recorder.notifies.map(\.summary))")
        #expect(digest.body == "run: finished, loss 2.31 → 0.42")
        let hint = try #require(digest.hints["image-data"], "hints sent: \(digest.hints.keys.sorted())")
        #expect(hint.type.signature == "(iiibiiay)")
        #expect(try session.dunst.waitForCounts { $0.displayed == 1 }.displayed == 1)
    }
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// trainbell on a sway + mako desktop: Debian 12's mako 1.7.1 under a headless sway, all run by an
/// unprivileged user on a private bus (`SwaySession`). What the user sees is read from mako itself
/// (`makoctl list`) and from the screen (`grim`); what mako was sent, from the bus.
@Suite(.serialized) struct RealMakoTests {
    /// mako 1.7.1 segfaulted on the second progress bubble of every job: a notification that replaces
    /// itself (`replaces_id`) and carries `x-canonical-private-synchronous` / `x-dunst-stack-tag` makes
    /// it re-insert and free the bubble it reused. trainbell now sends mako the tags only.
    @Test func makoSurvivesAJobsProgressReplacingItself() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let mako = try Mako(session: session)
        defer { mako.stop() }
        let daemon = try session.daemon()
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        func makoAlive(_ when: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try #require(mako.ownsNotificationsName, "mako (PID \(mako.pid)) died \(when), \(mako.exit ?? "or left the bus"); its log:\n\(mako.log)\ntrainbelld's log:\n\(daemon.log)",
                         sourceLocation: sourceLocation)
        }

        _ = try client.startJob("run", title: "ResNet-50", total: 100)
        try client.progress("run", 30)
        let first = try mako.list { $0.count == 1 }
        try #require(first.map(\.summary) == ["Training 25% Complete"], "mako lists \(first)")
        let bubble = first[0].id
        #expect(first[0].body == "ResNet-50: step 30 of 100 (30%)")
        #expect(first[0].appName == "trainbell")
        #expect(first[0].category == "x-trainbell.progress")
        // The value hint: mako draws the bar over 30 % of the bubble.
        let at30 = try session.screenshot { $0.widestRun(of: Mako.progressColor) == Mako.width * 30 / 100 }
        #expect(at30.widestRun(of: Mako.progressColor) == Mako.width * 30 / 100)

        try client.progress("run", 60)
        let halfway = try mako.list { $0.first?.summary == "Training Halfway There!" }
        try makoAlive("on the job's second progress bubble")
        #expect(halfway.map(\.summary) == ["Training Halfway There!"], "replaced in place")
        #expect(halfway.first?.id == bubble)

        try client.progress("run", 80)
        try client.api.reportWarning("run", message: "loss plateau <5 epochs> & lr 1e-3")
        try client.api.reportError("run", message: "CUDA out of memory. Tried to allocate 2.00 GiB", type: "oom_error")
        try client.progress("run", 100)
        let shown = try mako.list { $0.contains { $0.summary == "Training Complete! 🎉" } }
        try makoAlive("during the job")

        // One bubble for the job (replaced in place, its id kept), the warning, the error; newest first.
        #expect(shown.map(\.summary).sorted() == ["Training Complete! 🎉", "Training Error", "Training Warning"],
                "mako lists \(shown)")
        let done = shown.first { $0.summary == "Training Complete! 🎉" }
        #expect(done?.id == bubble)
        #expect(done?.body == "ResNet-50 finished after 100 steps.")
        let warning = shown.first { $0.summary == "Training Warning" }
        #expect(warning?.body == "loss plateau &lt;5 epochs&gt; &amp; lr 1e-3")   // mako has body-markup
        let error = shown.first { $0.summary == "Training Error" }
        #expect(error?.body == "CUDA out of memory. Tried to allocate 2.00 GiB")
        #expect(error?.actions == ["details": "View Details", "retry": "Retry"])
        #expect(error?.category == "x-trainbell.error")

        // The completion's bar is full; the warning and the error have none.
        let end = try session.screenshot { $0.widestRun(of: Mako.progressColor) == Mako.width }
        #expect(end.widestRun(of: Mako.progressColor) == Mako.width)

        // What mako was sent: the job's bubbles replace by tag alone, the value as int32.
        let progress = session.recorder.notifies.filter { $0.hints["x-trainbell-job"] != nil && $0.hints["value"] != nil }
        #expect(progress.map(\.summary) == ["Training 25% Complete", "Training Halfway There!", "Training 75% Complete",
                                            "Training Complete! 🎉"])
        #expect(progress.map { $0.hints["value"] } == [.int32(30), .int32(60), .int32(80), .int32(100)])
        #expect(progress.map(\.replacesID) == [0, 0, 0, 0])
        #expect(progress.allSatisfy { $0.hints["x-dunst-stack-tag"] == .string("run")
                && $0.hints["x-canonical-private-synchronous"] == .string("run") })
        #expect(try client.history("run").map { $0["delivery"]?.stringValue } == Array(repeating: "shown", count: 6))

        try client.call("Ping", interface: .peer)
        try makoAlive("at the end")
    }

    /// The loss chart (`image-data`, 128 px RGBA) on the completion that replaces the job's progress
    /// bubble by tag: mako 1.7.1 takes it, stays up, and lists the completion with its loss line.
    @Test func makoTakesTheLossChartOfACompletion() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let mako = try Mako(session: session)
        defer { mako.stop() }
        let daemon = try session.daemon()
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        _ = try client.startJob("chart", title: "ViT", total: 100)
        try client.progress("chart", 30)
        _ = try mako.list { $0.count == 1 }
        for step in 1...6 { try client.api.reportMetrics("chart", step: UInt64(step * 10), ["loss": 3.0 / Double(step)]) }
        try client.progress("chart", 100)
        let shown = try mako.list { $0.contains { $0.summary == "Training Complete! 🎉" } }
        try #require(mako.ownsNotificationsName, "mako died on the loss chart: \(mako.exit ?? "left the bus"); its log:\n\(mako.log)")
        #expect(shown.first { $0.summary == "Training Complete! 🎉" }?.body == "ViT finished after 100 steps.\nloss 3 → 0.5")
        let sent = session.recorder.notifies.last { $0.summary == "Training Complete! 🎉" }
        #expect(sent?.hints["image-data"] != nil, "the chart was sent")
        try client.call("Ping", interface: .peer)
        #expect(mako.ownsNotificationsName)
    }

    /// Why trainbell sends mako the stacking tags without `replaces_id`, shown with notify-send alone on a
    /// mako of the test's own: the tag alone replaces the bubble in place (and keeps its id); the same
    /// notification replacing itself by id while carrying the tag kills mako 1.7.1 (SIGSEGV). When a
    /// Debian mako stops dying here, the workaround may go.
    @Test func mako171ReplacesByTagAloneAndDiesOnAnIdReplacementCarryingATag() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let mako = try Mako(session: session)
        defer { mako.stop() }
        func notifySend(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try session.run("notify-send", package: "libnotify-bin", ["--print-id", "--hint=string:x-dunst-stack-tag:run"] + arguments)
        }
        let first = try notifySend(["--hint=int:value:30", "25 %", "step 30"])
        let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(first.status == 0 && !id.isEmpty, "\(first.stderr)")
        let second = try notifySend(["--hint=int:value:60", "50 %", "step 60"])
        #expect(second.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id, "replaced by the tag, same id")
        #expect(try mako.list().map(\.summary) == ["50 %"])
        #expect(mako.ownsNotificationsName)

        let third = try notifySend(["--replace-id=\(id)", "--hint=int:value:80", "75 %", "step 80"])
        #expect(third.status != 0, "notify-send got an answer: \(third.stdout)")
        let deadline = Date().addingTimeInterval(5)
        while mako.isRunning && Date() < deadline { usleep(10_000) }
        #expect(mako.exit == "exit status 139 (signal 11)", "mako 1.7.1 no longer dies on it: \(mako.exit ?? "still running")")
    }

    /// mako 1.7.1 signals nothing when its modes change: trainbell reads the mode when asked and, while
    /// it holds records back, until the mode ends; the digest then comes by itself.
    @Test func makoDoNotDisturbModeHoldsEverythingAndEndsInOneDigest() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let mako = try Mako(session: session, configuration: Mako.drawing + "\n" + Mako.hidingDoNotDisturbMode)
        defer { mako.stop() }
        let daemon = try session.daemon()
        defer { daemon.stop() }
        try DoNotDisturbScenario(bus: session.bus, daemon: daemon, source: "mako", errorDelivery: "held-by-server",
                                 followWithin: 1, digestWithin: 15, notifies: { session.recorder.notifies })
            .run(flip: { on in try mako.setMode(on ? "do-not-disturb" : "default") }, duringDoNotDisturb: {
                let modes = try mako.modes()
                #expect(modes == ["do-not-disturb"])
                // mako has the error, and shows nothing.
                let listed = try mako.list()
                #expect(listed.map(\.summary) == ["Training Error"])
                let screen = try session.screenshot()
                #expect(!screen.holds(Mako.backgroundColor), "a bubble is drawn during DND")
            })
        // After the mode: the error held back and the digest, both drawn.
        let after = try mako.list { $0.count == 2 }
        #expect(after.map(\.summary) == ["While you were away", "Training Error"])
        let screen = try session.screenshot { $0.rows(holding: Mako.backgroundColor).count >= 2 * Mako.minimumHeight }
        #expect(screen.rows(holding: Mako.backgroundColor).count >= 2 * Mako.minimumHeight, "two bubbles drawn")
        #expect(mako.ownsNotificationsName)
    }

    /// With mako's default configuration the do-not-disturb mode is only a name: the error is sent
    /// and shown, and recorded as `sent-during-dnd`, not as held.
    @Test func makoModeThatHidesNothingRecordsTheErrorAsSentDuringDND() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let mako = try Mako(session: session)
        defer { mako.stop() }
        let daemon = try session.daemon()
        defer { daemon.stop() }
        try DoNotDisturbScenario(bus: session.bus, daemon: daemon, source: "mako", errorDelivery: "sent-during-dnd",
                                 followWithin: 1, digestWithin: 15, notifies: { session.recorder.notifies })
            .run(flip: { on in try mako.setMode(on ? "do-not-disturb" : "default") }, duringDoNotDisturb: {
                let listed = try mako.list()
                #expect(listed.map(\.summary) == ["Training Error"])
                let screen = try session.screenshot { $0.holds(Mako.backgroundColor) }
                #expect(screen.holds(Mako.backgroundColor), "mako shows the error")
            })
        #expect(mako.ownsNotificationsName)
    }
}

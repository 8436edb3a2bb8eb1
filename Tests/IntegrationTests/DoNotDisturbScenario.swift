import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// What every desktop's Do Not Disturb must do with trainbell, on any server: DND on → progress,
/// warning and completion held back, the error sent (urgency 2); DND off → one digest and nothing
/// else. Run against real servers (`DoNotDisturbSourcesTests`, `RealMakoTests`, `RealSwayncTests`)
/// and a stand-in where the desktop cannot run here (KDE Plasma).
struct DoNotDisturbScenario {
    let bus: PrivateBus
    let daemon: DaemonProcess
    /// The `source` `GetDoNotDisturb` names.
    let source: String
    /// The error's `delivery` while DND is on: `held-by-server`, `sent-during-dnd` or `shown`.
    let errorDelivery: String
    /// How long `GetDoNotDisturb` may take to follow a change.
    var followWithin: Double = 10
    /// How long the digest may take after DND ends.
    var digestWithin: Double = 10
    /// The `Notify` calls the server received so far.
    let notifies: () -> [NotifyCall]

    /// Runs the scenario; `flip` switches the desktop's DND as its user would; `duringDoNotDisturb`
    /// runs once the four events were decided, before DND ends (to check what the server shows then).
    func run(flip: (Bool) throws -> Void, duringDoNotDisturb: () throws -> Void = {},
             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let client = try DaemonClient(bus: bus)
        func waitForDND(_ on: Bool, within seconds: Double) -> Bool {
            poll(client, seconds) { (try? client.api.doNotDisturb()) == DoNotDisturbReply(active: on, source: source) }
        }
        #expect(waitForDND(false, within: 10), "the daemon did not follow \(source); log:\n\(daemon.log)",
                sourceLocation: sourceLocation)
        _ = try client.startJob("run", total: 100)
        try flip(true)
        #expect(waitForDND(true, within: followWithin),
                "GetDoNotDisturb did not say (true, \(source)) within \(followWithin) s; log:\n\(daemon.log)",
                sourceLocation: sourceLocation)
        let before = notifies().count
        try client.progress("run", 30)
        try client.api.reportWarning("run", message: "slow data loader")
        try client.api.reportError("run", message: "NCCL error: unhandled system error", type: "cuda_error")
        try client.progress("run", 100)
        #expect(poll(client, 10) { notifies().count >= before + 1 }, sourceLocation: sourceLocation)
        let during = Array(notifies().dropFirst(before))
        #expect(during.map(\.summary) == ["Training Error"], sourceLocation: sourceLocation)
        #expect(during.first?.hints["urgency"] == .byte(2), sourceLocation: sourceLocation)
        #expect(try client.history("run").map { $0["delivery"]?.stringValue } == [
            "suppressed-dnd", "suppressed-dnd", errorDelivery, "suppressed-dnd",
        ], sourceLocation: sourceLocation)
        try duringDoNotDisturb()
        try flip(false)
        // The digest comes by itself: nobody asks the daemon first (asking reads a source again).
        let ended = Date()
        #expect(poll(client, digestWithin) { notifies().count >= before + 2 },
                "no digest within \(digestWithin) s; log:\n\(daemon.log)", sourceLocation: sourceLocation)
        print("\(source): the digest reached the server \(Int(Date().timeIntervalSince(ended) * 1000)) ms after DND ended")
        #expect(waitForDND(false, within: followWithin),
                "GetDoNotDisturb did not say (false, \(source)) within \(followWithin) s; log:\n\(daemon.log)",
                sourceLocation: sourceLocation)
        let digest = notifies().last
        #expect(digest?.summary == "While you were away", sourceLocation: sourceLocation)
        #expect(digest?.body == "run: reached 25 %, finished, 1 warning", sourceLocation: sourceLocation)
        #expect(try client.history("").last?["type"] == .string("digest"), sourceLocation: sourceLocation)
        #expect(!poll(client, 0.3) { notifies().count > before + 2 }, "\(notifies().map(\.summary))",
                sourceLocation: sourceLocation)
    }

    /// Checks `condition` until it holds or `seconds` pass, pumping the client's loop (its signals) in
    /// between: the servers' state is read by calls, which no signal announces.
    private func poll(_ client: DaemonClient, _ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { return false }
            _ = client.loop.run(until: { false }, timeout: 0.02)
        }
        return true
    }
}

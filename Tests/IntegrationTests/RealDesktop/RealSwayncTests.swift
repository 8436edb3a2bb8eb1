import BusTestSupport
import DBus
import Foundation
import Testing

/// trainbell on a sway + SwayNotificationCenter desktop: Debian 12's swaync 0.7.3 under a headless sway,
/// all run by an unprivileged user on a private bus (`SwaySession`). What the user sees is read from
/// swaync itself (`swaync-client`: it can count, not list) and from the screen (`grim`, with a style
/// whose colours say the urgency and the progress); what swaync was sent, from the bus.
@Suite(.serialized) struct RealSwayncTests {
    @Test func swayncShowsAJobAsOneProgressBubbleBesideTheWarningAndTheError() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let swaync = try Swaync(session: session)
        defer { swaync.stop() }
        let daemon = try session.daemon()
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)

        _ = try client.startJob("run", title: "ResNet-50", total: 100)
        try client.progress("run", 30)
        #expect(try swaync.count { $0 == 1 } == 1)
        let at30 = try session.screenshot { Swaync.shownProgress($0) == 30 }
        #expect(Swaync.shownProgress(at30) == 30, "the value hint's bar")
        #expect(at30.holds(Swaync.normalColor))

        try client.progress("run", 60)
        try client.progress("run", 80)
        try client.api.reportWarning("run", message: "loss plateau")
        try client.api.reportError("run", message: "CUDA out of memory. Tried to allocate 2.00 GiB", type: "oom_error")
        try client.progress("run", 100)
        let calls = session.recorder.waitForNotifies(count: 6)
        try #require(calls.count == 6, "swaync received \(calls.map(\.summary))")
        // (A progress bubble that replaces another may come a moment later than the warning and the error.)
        #expect(calls.filter { $0.hints["value"] == nil }.map(\.summary) == ["Training Warning", "Training Error"])
        // One bubble for the job, replaced in place; the warning and the error beside it.
        #expect(try swaync.count { $0 == 3 } == 3)
        let progress = calls.filter { $0.hints["value"] != nil }
        #expect(progress.map(\.summary) == ["Training 25% Complete", "Training Halfway There!", "Training 75% Complete",
                                            "Training Complete! 🎉"])
        #expect(progress.map { $0.hints["value"] } == [.int32(30), .int32(60), .int32(80), .int32(100)])
        #expect(Set(progress.compactMap(\.returnedID)).count == 1, "one bubble: \(progress.map(\.returnedID))")
        #expect(progress.dropFirst().allSatisfy { $0.hints["x-canonical-private-synchronous"] == .string("run") })

        // On the screen: a full bar (the completion), a critical bubble (the error).
        let end = try session.screenshot { Swaync.shownProgress($0) == 100 && $0.holds(Swaync.criticalColor) }
        #expect(Swaync.shownProgress(end) == 100)
        #expect(end.holds(Swaync.criticalColor))
        #expect(try client.history("run").map { $0["delivery"]?.stringValue } == Array(repeating: "shown", count: 6))
        #expect(swaync.ownsNotificationsName, "swaync died; its log:\n\(swaync.log)")
    }

    /// swaync shows critical notifications during Do Not Disturb: trainbell's error comes through
    /// (urgency 2, drawn as critical), the rest waits for the digest.
    @Test func swayncDoNotDisturbShowsTheErrorAndEndsInOneDigest() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let swaync = try Swaync(session: session)
        defer { swaync.stop() }
        let daemon = try session.daemon()
        defer { daemon.stop() }
        try DoNotDisturbScenario(bus: session.bus, daemon: daemon, source: "swaync", errorDelivery: "shown",
                                 followWithin: 1, notifies: { session.recorder.notifies })
            .run(flip: { on in try swaync.setDoNotDisturb(on) }, duringDoNotDisturb: {
                let dnd = try swaync.doNotDisturb()
                #expect(dnd)
                let count = try swaync.count { $0 == 1 }
                #expect(count == 1)
                let screen = try session.screenshot { $0.holds(Swaync.criticalColor) }
                #expect(screen.holds(Swaync.criticalColor), "swaync does not show the error during DND")
                #expect(!screen.holds(Swaync.normalColor))
            })
        #expect(try swaync.count { $0 == 2 } == 2, "the error and the digest")
        let screen = try session.screenshot { $0.holds(Swaync.normalColor) }
        #expect(screen.holds(Swaync.normalColor), "the digest is drawn")
        #expect(swaync.ownsNotificationsName)
    }
}

import BusTestSupport
import DBus
import TrainBellAPI
import DBusGLib
import Foundation
import Testing

/// Progress on the dock icon (Unity LauncherEntry) as a dock sees it, and KDE Plasma's job tracker.
@Suite(.serialized) struct LauncherTests {
    static let app = "org.example.Trainer"
    static let uri = "application://org.example.Trainer.desktop"

    @Test func aRunFromZeroToDoneEndsInAFlashThenHidden() throws {
        let bus = try PrivateBus()
        let dock = try StandInDock(bus: bus)
        defer { dock.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: "[launcher]\ncompletion-flash-seconds=1\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("run", total: 100, options: [("app-id", .string(Self.app))])
        for step in 1...100 {
            try client.progress("run", UInt64(step))
        }
        #expect(dock.wait { $0.last?.properties["progress-visible"] == .boolean(false) }, "\(dock.updates.map(\.properties))")
        let updates = dock.updates
        #expect(updates.allSatisfy { $0.appURI == Self.uri && $0.path.hasPrefix("/com/canonical/unity/launcherentry/") })
        // Bounded (coalesced), ordered, ending in completion + urgent, then hidden.
        #expect(updates.count <= 30, "\(updates.count) updates")
        let progress = updates.dropLast().compactMap { $0.properties["progress"]?.doubleValue }
        #expect(progress == progress.sorted())
        #expect(updates.count >= 3)
        let flash = try #require(updates.dropLast().last)
        #expect(flash.properties["progress"] == .double(1) && flash.properties["urgent"] == .boolean(true)
                && flash.properties["progress-visible"] == .boolean(true))
        #expect(updates.last?.properties == [
            "progress": .double(0), "progress-visible": .boolean(false), "count": .int64(0),
            "count-visible": .boolean(false), "urgent": .boolean(false),
        ])
    }

    @Test func twoJobsOfOneAppGiveTheMeanAndACountOfTwo() throws {
        let bus = try PrivateBus()
        let dock = try StandInDock(bus: bus)
        defer { dock.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("a", total: 100, options: [("app-id", .string(Self.app))])
        _ = try client.startJob("b", total: 100, options: [("app-id", .string(Self.app + ".desktop"))])
        try client.progress("a", 20)
        try client.progress("b", 60)
        #expect(dock.wait { $0.last?.properties["progress"] == .double(0.4) })
        #expect(dock.updates.last?.properties["count"] == .int64(2))
        #expect(dock.updates.last?.properties["count-visible"] == .boolean(true))
        // Query() answers the current state.
        let path = try #require(ObjectPath(rawValue: dock.updates.last!.path))
        let query = try client.call("Query", interface: "com.canonical.Unity.LauncherEntry", path: path)
        #expect(query.first == .string(Self.uri))
        #expect(query.last?.stringKeyedEntries?["progress"]?.unwrapped == .double(0.4))
        // An error marks the icon urgent.
        try client.api.reportError("a", message: "NaN loss", type: "loss_divergence")
        #expect(dock.wait { $0.last?.properties["urgent"] == .boolean(true) })
    }

    @Test func nothingIsEmittedWithoutADockAndANewDockGetsTheStateAtOnce() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let monitor = try NotifyRecorder(bus: bus)
        defer { monitor.stop() }
        let watcher = try bus.connect()
        let loop = MainLoop()
        watcher.attach(to: loop)
        var seen = 0
        try watcher.subscribe(MatchRule(interface: "com.canonical.Unity.LauncherEntry", member: "Update")) { _ in seen += 1 }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("run", total: 10, options: [("app-id", .string(Self.app))])
        try client.progress("run", 3)
        #expect(!loop.run(until: { seen > 0 }, timeout: 0.5), "Update was emitted with no dock on the bus")

        let dock = try StandInDock(bus: bus)
        defer { dock.stop() }
        #expect(dock.wait { $0.contains { $0.properties["progress"] == .double(0.3) } })
    }

    @Test func aBurstOfProgressIsCoalescedAndTheLastValueArrives() throws {
        let bus = try PrivateBus()
        let dock = try StandInDock(bus: bus)
        defer { dock.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let total: UInt64 = 100_000
        _ = try client.startJob("burst", total: total + 1, options: [("app-id", .string(Self.app))])
        let start = Date()
        for step in 1...total {
            try client.connection.callNoReply(destination: DaemonProcess.busName, path: DaemonProcess.path,
                                              interface: DaemonProcess.interface, member: "ReportProgress",
                                              [.string("burst"), .uint64(step), .uint64(0)])
        }
        _ = try client.api.doNotDisturb()
        let elapsed = Date().timeIntervalSince(start)
        let last = Double(total) / Double(total + 1)
        #expect(dock.wait { abs(($0.last?.properties["progress"]?.doubleValue ?? 0) - (last * 1000).rounded() / 1000) < 1e-9 })
        let updates = dock.updates
        // At most 10 a second (one-second windows), however fast the calls came.
        for (i, u) in updates.enumerated() {
            let window = updates[i...].prefix { $0.time.timeIntervalSince(u.time) < 1 }
            #expect(window.count <= 11, "\(window.count) updates within one second")
        }
        #expect(Double(updates.count) <= (elapsed + 1) * 10 + 2, "\(updates.count) updates in \(elapsed) s")
    }

    @Test func setProgressStatesForAppsWithoutJobs() throws {
        let bus = try PrivateBus()
        let dock = try StandInDock(bus: bus)
        defer { dock.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: "[launcher]\ncompletion-flash-seconds=1\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        try client.api.call(TrainBell1.setProgress, "org.example.Tool", 0.5)
        #expect(dock.wait { $0.last?.properties["progress"] == .double(0.5) && $0.last?.properties["progress-visible"] == .boolean(true) })
        try client.api.call(TrainBell1.setProgress, "org.example.Tool", 1.0)
        #expect(dock.wait { $0.last?.properties["urgent"] == .boolean(true) && $0.last?.properties["progress"] == .double(1) })
        #expect(dock.wait { $0.last?.properties["progress-visible"] == .boolean(false) })
        try client.api.call(TrainBell1.setProgress, "org.example.Tool", 0.2)
        try client.api.call(TrainBell1.setProgress, "org.example.Tool", -1)
        #expect(dock.wait { $0.last?.properties["progress-visible"] == .boolean(false) && $0.count >= 5 })
    }

    @Test func plasmaJobsFollowTheRunAndCancelBecomesAnAction() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaJobServer(bus: bus)
        defer { plasma.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("run", title: "Llama LoRA", total: 200, options: [("app-id", .string(Self.app))])
        try client.progress("run", 50)
        #expect(plasma.wait { $0.contains { if case .update(_, let p) = $0 { p["percent"] == .uint32(25) } else { false } } })
        let calls = plasma.calls
        #expect(calls.first == .requestView(desktopEntry: Self.app, capabilities: 1, view: 1))
        guard case .update(1, let props)? = calls.last else { Issue.record("\(calls)"); return }
        #expect(props["title"] == .string("Llama LoRA"))
        #expect(props["infoMessage"]?.stringValue?.hasPrefix("Step 50 of 200") == true)

        try plasma.requestCancel(view: 1)
        let actions = client.signals("ActionInvoked", count: 1)
        #expect(try actions.first?.arguments() == [.string("run"), .string("cancel")])

        try client.api.cancelJob("run")
        #expect(plasma.wait { $0.last == .terminate(view: 1, errorCode: 1, message: "cancelled") })
    }
}

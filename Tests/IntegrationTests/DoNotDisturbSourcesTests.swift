import BusTestSupport
import DBus
import Foundation
import Testing

/// The daemon follows each notification server's own Do Not Disturb while it runs: real dunst and
/// real xfce4-notifyd/xfconfd here; stand-ins with the exact interfaces of Plasma, mako and swaync.
@Suite(.serialized) struct DoNotDisturbSourcesTests {
    /// Runs the common scenario: DND on → progress held, error out (urgency 2); DND off → one digest.
    /// `whileOn` runs once the error went out during DND, before DND ends (to look at the screen).
    static func scenario(bus: PrivateBus, daemon: DaemonProcess, source: String, holdsUrgent: Bool,
                         notifies: @escaping () -> [NotifyCall], whileOn: () throws -> Void = {},
                         flip: (Bool) throws -> Void) throws {
        let client = try DaemonClient(bus: bus)
        func waitForDND(_ on: Bool) -> Bool {
            client.loop.run(until: {
                (try? client.call("GetDoNotDisturb")) == [.boolean(on), .string(source)]
            }, timeout: 10)
        }
        #expect(waitForDND(false), "the daemon did not follow \(source); log:\n\(daemon.log)")
        _ = try client.startJob("run", total: 100)
        try flip(true)
        #expect(waitForDND(true), "DND on was not picked up from \(source); log:\n\(daemon.log)")
        let before = notifies().count
        try client.progress("run", 30)
        try client.call("ReportWarning", [.string("run"), .string("slow data loader")])
        try client.call("ReportError", [.string("run"), .string("NCCL error: unhandled system error"), .string("cuda_error"), .string("")])
        try client.progress("run", 100)
        #expect(client.loop.run(until: { notifies().count >= before + 1 }, timeout: 10))
        let during = Array(notifies().dropFirst(before))
        #expect(during.map(\.summary) == ["Training Error"])
        #expect(during.first?.hints["urgency"] == .byte(2))
        #expect(try client.history("run").map { $0["delivery"]?.stringValue } == [
            "suppressed-dnd", "suppressed-dnd", holdsUrgent ? "held-by-server" : "shown", "suppressed-dnd",
        ])
        try whileOn()
        try flip(false)
        #expect(waitForDND(false))
        #expect(client.loop.run(until: { notifies().count >= before + 2 }, timeout: 10))
        let digest = notifies().last
        #expect(digest?.summary == "While you were away")
        #expect(digest?.body == "run: reached 25 %, finished, 1 warning")
        #expect(try client.history("").last?["type"] == .string("digest"))
        #expect(!client.loop.run(until: { notifies().count > before + 2 }, timeout: 0.3))
    }

    @Test func realDunstPausedWithDunstctl() throws {
        let dunstctl = try requireTool("dunstctl", package: "dunst")
        let session = try DunstSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        try Self.scenario(bus: session.bus, daemon: daemon, source: "dunst", holdsUrgent: true,
                          notifies: { session.recorder.notifies }) { on in
            let r = try runCommand(dunstctl, ["set-paused", on ? "true" : "false"], environment: session.clientEnvironment)
            #expect(r.status == 0, "\(r.stderr)")
        }
    }

    @Test func realXfceNotifydWithXfconfQuery() throws {
        let session = try XfceNotifydSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        try Self.scenario(bus: session.bus, daemon: daemon, source: "xfce", holdsUrgent: false,
                          notifies: { session.recorder.notifies }) { on in try session.xfconf.setDoNotDisturb(on) }
    }

    @Test func plasmaInhibitedProperty() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus)
        defer { plasma.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        try Self.scenario(bus: bus, daemon: daemon, source: "kde", holdsUrgent: false,
                          notifies: { plasma.notifies }) { try plasma.setDoNotDisturb($0) }
    }

    @Test func makoDoNotDisturbMode() throws {
        let bus = try PrivateBus()
        let mako = try StandInMako(bus: bus)
        defer { mako.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        try Self.scenario(bus: bus, daemon: daemon, source: "mako", holdsUrgent: true,
                          notifies: { mako.notifies }) { try mako.setDoNotDisturb($0) }
    }

    @Test func swayncSubscribeSignals() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus)
        defer { swaync.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        try Self.scenario(bus: bus, daemon: daemon, source: "swaync", holdsUrgent: false,
                          notifies: { swaync.notifies }) { try swaync.setDoNotDisturb($0) }
    }

    @Test func quietHoursCountAsDoNotDisturb() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        // Quiet hours that cover now, whatever the time: from the current minute to the one before it.
        var t = time(nil)
        var local = tm()
        localtime_r(&t, &local)
        let now = Int(local.tm_hour) * 60 + Int(local.tm_min)
        let end = (now + 1439) % 1440
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        let daemon = try DaemonProcess(bus: bus, configuration: "[dnd]\nquiet-hours=\(hhmm(now))-\(hhmm(end))\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        #expect(try client.call("GetDoNotDisturb") == [.boolean(true), .string("quiet-hours")])
        try client.call("ReportWarning", [.string("q"), .string("held")])
        try client.call("ReportError", [.string("q"), .string("shown"), .string(""), .string("")])
        #expect(try client.history("q").map { $0["delivery"]?.stringValue } == ["suppressed-dnd", "shown"])
    }
}

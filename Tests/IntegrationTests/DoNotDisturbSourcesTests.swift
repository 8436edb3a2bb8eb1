import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// The daemon follows each notification server's own Do Not Disturb while it runs (`DoNotDisturbScenario`):
/// real dunst and real xfce4-notifyd/xfconfd here, a stand-in with the exact interface of KDE Plasma's
/// (which cannot run here); real mako and swaync under a headless sway in `RealMakoTests` and
/// `RealSwayncTests`.
@Suite(.serialized) struct DoNotDisturbSourcesTests {
    @Test func realDunstPausedWithDunstctl() throws {
        let dunstctl = try requireTool("dunstctl", package: "dunst")
        let session = try DunstSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        try DoNotDisturbScenario(bus: session.bus, daemon: daemon, source: "dunst", errorDelivery: "held-by-server",
                                 notifies: { session.recorder.notifies }).run { on in
            let r = try runCommand(dunstctl, ["set-paused", on ? "true" : "false"], environment: session.clientEnvironment)
            #expect(r.status == 0, "\(r.stderr)")
        }
    }

    @Test func realXfceNotifydWithXfconfQuery() throws {
        let session = try XfceNotifydSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        try DoNotDisturbScenario(bus: session.bus, daemon: daemon, source: "xfce", errorDelivery: "shown",
                                 notifies: { session.recorder.notifies }).run { on in try session.xfconf.setDoNotDisturb(on) }
    }

    @Test func plasmaInhibitedProperty() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus)
        defer { plasma.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        try DoNotDisturbScenario(bus: bus, daemon: daemon, source: "kde", errorDelivery: "shown",
                                 notifies: { plasma.notifies }).run { try plasma.setDoNotDisturb($0) }
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
        #expect(try client.api.doNotDisturb() == DoNotDisturbReply(active: true, source: "quiet-hours"))
        try client.api.reportWarning("q", message: "held")
        try client.api.reportError("q", message: "shown")
        #expect(try client.history("q").map { $0["delivery"]?.stringValue } == ["suppressed-dnd", "shown"])
    }
}

import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What only the Xfce source does; the rest is in `DoNotDisturbSourceTests`. These sessions start
/// xfconfd by D-Bus activation, as a desktop does.
@Suite("XfceDoNotDisturb on the real xfconfd")
struct XfceDoNotDisturbTests {
    @Test func xfconfQueryRemovingTheSettingIsOff() throws {
        let xfconf = try XfconfSession()
        try xfconf.setDoNotDisturb(true)
        let xfconfd = try #require(xfconf.xfconfdPID)
        let source = try Desktops.xfce.started(on: xfconf.bus, reading: true)

        // `xfconf-query -r`: PropertyRemoved, and a missing setting is off.
        try xfconf.removeDoNotDisturb()
        #expect(try source.waitForChange(to: false, after: 1))
        #expect(source.changeLog == [true, false])
        #expect(source.log.snapshot.isEmpty)

        source.stop()
        xfconf.stop()
        #expect(!ActivatedProcess.isAlive(xfconfd))
    }

    @Test func aMissingChannelIsOffAndStartsXfconfdByActivation() throws {
        let xfconf = try XfconfSession()
        defer { xfconf.stop() }
        #expect(xfconf.xfconfdPID == nil)
        let source = try Desktops.xfce.started(on: xfconf.bus, reading: false)
        defer { source.stop() }
        #expect(xfconf.xfconfdPID != nil)
        #expect(source.log.snapshot.isEmpty)

        try xfconf.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 1))
    }

    @Test func otherSettingsChangeNothing() throws {
        let xfconf = try XfconfSession()
        defer { xfconf.stop() }
        try xfconf.setDoNotDisturb(true)
        let source = try Desktops.xfce.started(on: xfconf.bus, reading: true)
        defer { source.stop() }

        try xfconf.query(["-c", "xfce4-notifyd", "-p", "/gauge-ignores-dnd", "-n", "-t", "bool", "-s", "false"])
        try xfconf.query(["-c", "xfce4-panel", "-p", "/do-not-disturb", "-n", "-t", "bool", "-s", "false"])
        try source.settle()
        #expect(source.changeLog == [true])
    }
}

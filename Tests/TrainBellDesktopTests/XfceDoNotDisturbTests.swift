import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

@Suite("XfceDoNotDisturb on the real xfconfd")
struct XfceDoNotDisturbTests {
    private func harness(_ bus: PrivateBus) throws -> SourceHarness<XfceDoNotDisturb> {
        try SourceHarness(bus: bus) { XfceDoNotDisturb(connection: $0, log: $1) }
    }

    @Test func describesXfce() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        #expect(try source.onLoop { [$0.name] } == ["xfce"])
        #expect(try source.onLoop { $0.holdsUrgentNotifications } == false)
        #expect(XfceDoNotDisturb.serverNames == ["Xfce Notify Daemon"])
    }

    @Test func readsTheSettingAtStartAndFollowsXfconfQuery() throws {
        let xfconf = try XfconfSession()
        try xfconf.setDoNotDisturb(true)
        let xfconfd = try #require(xfconf.xfconfdPID)
        let source = try harness(xfconf.bus)
        try source.start()
        #expect(try source.waitForChange(to: true))

        try xfconf.setDoNotDisturb(false)
        #expect(try source.waitForChange(to: false, after: 1))
        try xfconf.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 2))
        // `xfconf-query -r`: PropertyRemoved, and a missing setting is off.
        try xfconf.removeDoNotDisturb()
        #expect(try source.waitForChange(to: false, after: 3))
        #expect(source.changeLog == [true, false, true, false])
        #expect(source.log.snapshot.isEmpty)

        source.stop()
        xfconf.stop()
        #expect(!XfconfSession.isAlive(xfconfd))
    }

    @Test func aMissingSettingIsOffAndStartsXfconfdByActivation() throws {
        let xfconf = try XfconfSession()
        defer { xfconf.stop() }
        #expect(xfconf.xfconfdPID == nil)
        let source = try harness(xfconf.bus)
        defer { source.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))
        #expect(xfconf.xfconfdPID != nil)
        #expect(source.log.snapshot.isEmpty)

        try xfconf.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 1))
    }

    @Test func otherSettingsChangeNothing() throws {
        let xfconf = try XfconfSession()
        defer { xfconf.stop() }
        try xfconf.setDoNotDisturb(true)
        let source = try harness(xfconf.bus)
        defer { source.stop() }
        try source.start()
        #expect(try source.waitForChange(to: true))

        try xfconf.query(["-c", "xfce4-notifyd", "-p", "/gauge-ignores-dnd", "-n", "-t", "bool", "-s", "false"])
        try xfconf.query(["-c", "xfce4-panel", "-p", "/do-not-disturb", "-n", "-t", "bool", "-s", "false"])
        try source.settle()
        #expect(source.changeLog == [true])
    }

    @Test func noXfconfReadsAsUnknownAndLogsOnceAtDebugLevel() throws {
        let xfconf = try XfconfSession(activatable: false)
        defer { xfconf.stop() }
        let source = try harness(xfconf.bus)
        defer { source.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })
        for _ in 0..<3 { try source.onLoop { $0.refresh() } }
        try source.settle()

        #expect(try source.isActive == nil)
        let line = try #require(source.log.snapshot.first)
        #expect(line.level == .debug)
        #expect(line.message.hasPrefix("Do Not Disturb (xfce) unknown, read as off: org.freedesktop.DBus.Error.ServiceUnknown"))
        #expect(source.log.snapshot.count == 1)
    }

    @Test func xfconfdStartingLaterIsRead() throws {
        let xfconf = try XfconfSession(activatable: false)
        defer { xfconf.stop() }
        let source = try harness(xfconf.bus)
        defer { source.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })

        try xfconf.startDaemon()
        #expect(try source.waitForChange(to: false))
        try xfconf.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 1))
        #expect(source.log.snapshot.count == 1)
    }
}

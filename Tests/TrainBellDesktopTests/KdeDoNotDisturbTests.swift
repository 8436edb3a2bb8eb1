import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

@Suite("KdeDoNotDisturb on a stand-in Plasma server")
struct KdeDoNotDisturbTests {
    private func harness(_ bus: PrivateBus) throws -> SourceHarness<KdeDoNotDisturb> {
        try SourceHarness(bus: bus) { KdeDoNotDisturb(connection: $0, log: $1) }
    }

    @Test func describesPlasma() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        #expect(try source.onLoop { [$0.name] } == ["kde"])
        #expect(try source.onLoop { $0.holdsUrgentNotifications } == false)
        #expect(KdeDoNotDisturb.serverNames == [StandInPlasmaNotifications.serverName])
        #expect(StandInPlasmaNotifications.capabilities.contains(KdeDoNotDisturb.capability))
    }

    @Test func readsInhibitedAtStartAndFollowsItsPropertiesChanged() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus, doNotDisturb: true)
        let source = try harness(bus)
        defer { source.stop(); plasma.stop() }
        try source.start()
        #expect(try source.waitForChange(to: true))

        try plasma.setDoNotDisturb(false)
        #expect(try source.waitForChange(to: false, after: 1))
        try plasma.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 2))
        #expect(source.changeLog == [true, false, true])
        #expect(source.log.snapshot.isEmpty)
    }

    @Test func anApplicationsInhibitionIsDoNotDisturbUntilItLeaves() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); plasma.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))

        let presenter = try bus.connect()
        let cookie = try presenter.call(destination: NotificationsBus.name, path: NotificationsBus.path,
                                        interface: NotificationsBus.interface, member: "Inhibit",
                                        [.string("org.kde.okular"), .string("Presenting"), .vardict([])])
        #expect(cookie == [.uint32(1)])
        #expect(try source.waitForChange(to: true, after: 1))

        presenter.close()
        #expect(try source.waitForChange(to: false, after: 2))
    }

    @Test func noServerReadsAsUnknownAndLogsOnceAtDebugLevel() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })
        for _ in 0..<3 { try source.onLoop { $0.refresh() } }
        try source.settle()

        #expect(try source.isActive == nil)
        #expect(source.log.snapshot == [CapturedLog.Line(
            level: .debug,
            message: "Do Not Disturb (kde) unknown, read as off: org.freedesktop.Notifications is not on the bus")])
        #expect(source.changeLog.isEmpty)
    }

    @Test func aServerWithoutInhibitedReadsAsUnknownAndLogsOnce() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); server.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })
        try source.settle()

        #expect(try source.isActive == nil)
        let line = try #require(source.log.snapshot.first)
        #expect(line.level == .debug)
        #expect(line.message.hasPrefix("Do Not Disturb (kde) unknown, read as off: org.freedesktop.DBus.Error.UnknownProperty"))
        #expect(source.log.snapshot.count == 1)
    }

    @Test func aServerAppearingLaterIsReadAndItsLeavingIsUnknown() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })

        let plasma = try StandInPlasmaNotifications(bus: bus, doNotDisturb: true)
        defer { plasma.stop() }
        #expect(try source.waitForChange(to: true))

        plasma.stop()
        #expect(try source.waitForChange(to: nil, after: 1))
        // A new failure after a success is logged again, once.
        #expect(source.log.wait { $0.count == 2 })
        #expect(source.log.snapshot.map(\.level) == [.debug, .debug])
    }

    @Test func stopCancelsTheWatch() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); plasma.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))
        try source.onLoop { $0.stop() }

        try plasma.setDoNotDisturb(true)
        #expect(try plasma.inhibited)
        try source.settle()
        #expect(source.changeLog == [false])
        #expect(try source.isActive == nil)
    }
}

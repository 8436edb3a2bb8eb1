import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

@Suite("MakoDoNotDisturb on a stand-in mako")
struct MakoDoNotDisturbTests {
    private func harness(_ bus: PrivateBus) throws -> SourceHarness<MakoDoNotDisturb> {
        try SourceHarness(bus: bus) { MakoDoNotDisturb(connection: $0, log: $1) }
    }

    @Test func describesMako() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        #expect(try source.onLoop { [$0.name] } == ["mako"])
        #expect(try source.onLoop { $0.holdsUrgentNotifications })
        #expect(MakoDoNotDisturb.serverNames == ["mako"])
    }

    @Test func readsTheModesAtStartAndFollowsTheirInvalidation() throws {
        let bus = try PrivateBus()
        let mako = try StandInMako(bus: bus, modes: ["default", "do-not-disturb"])
        let source = try harness(bus)
        defer { source.stop(); mako.stop() }
        try source.start()
        #expect(try source.waitForChange(to: true))
        #expect(try source.onLoop { $0.signalsModes } == true)

        try mako.setDoNotDisturb(false)
        #expect(try mako.modes == ["default"])
        #expect(try source.waitForChange(to: false, after: 1))
        try mako.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 2))
        #expect(source.changeLog == [true, false, true])
        #expect(source.log.snapshot.isEmpty)
    }

    @Test func makoctlSetModeThroughTheBusIsPickedUp() throws {
        let bus = try PrivateBus()
        let mako = try StandInMako(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); mako.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))

        // What `makoctl mode -s do-not-disturb` sends.
        let makoctl = try bus.connect()
        defer { makoctl.close() }
        _ = try makoctl.call(destination: NotificationsBus.name, path: StandInMako.path, interface: StandInMako.interface,
                             member: "SetModes", [.array(.string, [.string("do-not-disturb")])])
        #expect(try source.waitForChange(to: true, after: 1))
    }

    @Test func makoBefore110IsReadAgainByRefresh() throws {
        let bus = try PrivateBus()
        let mako = try StandInMako(bus: bus, hasModesProperty: false)
        let source = try harness(bus)
        defer { source.stop(); mako.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))
        #expect(try source.onLoop { $0.signalsModes } == false)

        try mako.setDoNotDisturb(true)
        try source.settle()
        #expect(try source.isActive == false, "mako before 1.10 signals nothing")
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == true)
        #expect(source.changeLog == [false, true])
        #expect(source.log.snapshot.isEmpty)
    }

    @Test func noMakoReadsAsUnknownAndLogsOnceAtDebugLevel() throws {
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
            message: "Do Not Disturb (mako) unknown, read as off: org.freedesktop.Notifications is not on the bus")])
    }

    @Test func anotherServerReadsAsUnknownAndRefreshDoesNotLogAgain() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); server.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })
        for _ in 0..<5 { try source.onLoop { $0.refresh() } }
        try source.settle()

        #expect(try source.isActive == nil)
        #expect(source.log.snapshot.count == 1)
        #expect(source.log.snapshot.first?.message.contains("org.freedesktop.DBus.Error.UnknownObject") == true)
    }

    @Test func makoStartingLaterIsRead() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })

        let mako = try StandInMako(bus: bus, modes: ["do-not-disturb"])
        defer { mako.stop() }
        #expect(try source.waitForChange(to: true))
        mako.stop()
        #expect(try source.waitForChange(to: nil, after: 1))
    }
}

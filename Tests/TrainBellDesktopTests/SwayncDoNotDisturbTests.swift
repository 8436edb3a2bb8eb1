import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

@Suite("SwayncDoNotDisturb on a stand-in swaync")
struct SwayncDoNotDisturbTests {
    private func harness(_ bus: PrivateBus) throws -> SourceHarness<SwayncDoNotDisturb> {
        try SourceHarness(bus: bus) { SwayncDoNotDisturb(connection: $0, log: $1) }
    }

    @Test func describesSwaync() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        #expect(try source.onLoop { [$0.name] } == ["swaync"])
        #expect(try source.onLoop { $0.holdsUrgentNotifications } == false)
        #expect(SwayncDoNotDisturb.serverNames == ["SwayNotificationCenter"])
    }

    @Test func readsGetDndAtStartAndFollowsSubscribeV2() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus, doNotDisturb: true)
        let source = try harness(bus)
        defer { source.stop(); swaync.stop() }
        try source.start()
        #expect(try source.waitForChange(to: true))

        try swaync.setDoNotDisturb(false)
        #expect(try source.waitForChange(to: false, after: 1))
        try swaync.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 2))
        #expect(source.changeLog == [true, false, true])
        #expect(source.log.snapshot.isEmpty)
    }

    @Test func swayncClientToggleThroughTheBusIsPickedUp() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); swaync.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))

        // What `swaync-client -d` sends.
        let client = try bus.connect()
        defer { client.close() }
        let toggled = try client.call(destination: StandInSwaync.name, path: StandInSwaync.path,
                                      interface: StandInSwaync.interface, member: "ToggleDnd")
        #expect(toggled == [.boolean(true)])
        #expect(try source.waitForChange(to: true, after: 1))
    }

    @Test func subscribeSignalsForOtherReasonsChangeNothing() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus, doNotDisturb: true)
        let source = try harness(bus)
        defer { source.stop(); swaync.stop() }
        try source.start()
        #expect(try source.waitForChange(to: true))

        // A notification arriving makes swaync emit SubscribeV2 with the new count.
        let client = try bus.connect()
        defer { client.close() }
        _ = try client.call(destination: NotificationsBus.name, path: NotificationsBus.path, interface: NotificationsBus.interface,
                            member: "Notify", [.string("run-42"), .uint32(0), .string(""), .string("75 %"), .string(""),
                                               .array(.string, []), .vardict([]), .int32(-1)])
        #expect(swaync.notifies.count == 1)
        try source.settle()
        #expect(source.changeLog == [true])
    }

    @Test func swayncBefore08SignalsSubscribe() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus, legacySubscribe: true)
        let source = try harness(bus)
        defer { source.stop(); swaync.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))
        try swaync.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 1))
    }

    @Test func noSwayncReadsAsUnknownAndLogsOnceAtDebugLevel() throws {
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
            message: "Do Not Disturb (swaync) unknown, read as off: org.erikreider.swaync.cc is not on the bus")])
    }

    @Test func swayncStartingLaterIsRead() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })

        let swaync = try StandInSwaync(bus: bus, doNotDisturb: true)
        defer { swaync.stop() }
        #expect(try source.waitForChange(to: true))
        swaync.stop()
        #expect(try source.waitForChange(to: nil, after: 1))
    }
}

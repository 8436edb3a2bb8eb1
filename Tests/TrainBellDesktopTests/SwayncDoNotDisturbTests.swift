import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What only the swaync source does; the rest is in `DoNotDisturbSourceTests`.
@Suite("SwayncDoNotDisturb on a stand-in swaync")
struct SwayncDoNotDisturbTests {
    @Test func swayncClientToggleThroughTheBusIsPickedUp() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus)
        let source = try Desktops.swaync.started(on: bus, reading: false)
        defer { source.stop(); swaync.stop() }

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
        let source = try Desktops.swaync.started(on: bus, reading: true)
        defer { source.stop(); swaync.stop() }

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
        let source = try Desktops.swaync.started(on: bus, reading: false)
        defer { source.stop(); swaync.stop() }
        try swaync.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 1))
    }
}

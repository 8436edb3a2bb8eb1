import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What only the swaync source does; the rest is in `DoNotDisturbSourceTests`. Debian 12's swaync
/// 0.7.3 runs for real (under a headless sway); 0.8's `SubscribeV2` only on a stand-in.
@Suite("SwayncDoNotDisturb on swaync")
struct SwayncDoNotDisturbTests {
    /// swaync 0.7.3 signals `Subscribe(u count, b dnd, b cc_open)`.
    @Test func swayncClientToggleIsPickedUpFromSubscribe() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let swaync = try Swaync(session: session)
        defer { swaync.stop() }
        let source = try Desktops.swaync.started(on: session.bus, reading: false)
        defer { source.stop() }

        #expect(try swaync.client("--toggle-dnd") == "true")
        #expect(try source.waitForChange(to: true, after: 1))
    }

    @Test func subscribeSignalsForOtherReasonsChangeNothing() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let swaync = try Swaync(session: session)
        defer { swaync.stop() }
        try swaync.setDoNotDisturb(true)
        let source = try Desktops.swaync.started(on: session.bus, reading: true)
        defer { source.stop() }

        // A notification arriving makes swaync emit Subscribe with the new count.
        let client = try session.bus.connect()
        defer { client.close() }
        _ = try client.call(destination: NotificationsBus.name, path: NotificationsBus.path, interface: NotificationsBus.interface,
                            member: "Notify", [.string("run-42"), .uint32(0), .string(""), .string("75 %"), .string(""),
                                               .array(.string, []), .vardict([]), .int32(-1)])
        #expect(try swaync.count { $0 == 1 } == 1)
        try source.settle()
        #expect(source.changeLog == [true])
    }

    /// swaync 0.8 and later signal `SubscribeV2(u count, b dnd, b cc_open, b inhibited)` instead.
    @Test func swayncFrom08SignalsSubscribeV2() throws {
        let bus = try PrivateBus()
        let swaync = try StandInSwaync(bus: bus)
        let source = try Desktops.swayncSignallingSubscribeV2.started(on: bus, reading: false)
        defer { source.stop(); swaync.stop() }
        try swaync.setDoNotDisturb(true)
        #expect(try source.waitForChange(to: true, after: 1))
    }
}

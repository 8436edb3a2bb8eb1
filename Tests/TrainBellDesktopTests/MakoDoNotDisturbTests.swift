import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What only the mako source does; the rest is in `DoNotDisturbSourceTests`.
@Suite("MakoDoNotDisturb on a stand-in mako")
struct MakoDoNotDisturbTests {
    @Test func makoctlSetModeThroughTheBusIsPickedUp() throws {
        let bus = try PrivateBus()
        let mako = try StandInMako(bus: bus)
        let source = try Desktops.mako.started(on: bus, reading: false)
        defer { source.stop(); mako.stop() }
        #expect(try source.onLoop { $0.signalsModes } == true)

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
        let source = try Desktops.mako.started(on: bus, reading: false)
        defer { source.stop(); mako.stop() }
        #expect(try source.onLoop { $0.signalsModes } == false)

        try mako.setDoNotDisturb(true)
        try source.settle()
        #expect(try source.isActive == false, "mako before 1.10 signals nothing")
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == true)

        // Taking do-not-disturb away keeps the other modes.
        try mako.setDoNotDisturb(false)
        #expect(try mako.modes == ["default"])
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == false)
        #expect(source.changeLog == [false, true, false])
        #expect(source.log.snapshot.isEmpty)
    }
}

import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What only the mako source does; the rest is in `DoNotDisturbSourceTests`.
@Suite("MakoDoNotDisturb on mako")
struct MakoDoNotDisturbTests {
    /// mako 1.10 and later announce `Modes` (Debian 12 has 1.7.1: a stand-in with 1.10's interface).
    @Test func modesAnnouncedByMako110ArePickedUp() throws {
        let bus = try PrivateBus()
        let mako = try StandInMako(bus: bus)
        let source = try Desktops.makoAnnouncingModes.started(on: bus, reading: false)
        defer { source.stop(); mako.stop() }
        #expect(try source.onLoop { $0.signalsModes } == true)

        // What `makoctl mode -s do-not-disturb` sends.
        let makoctl = try bus.connect()
        defer { makoctl.close() }
        _ = try makoctl.call(destination: NotificationsBus.name, path: StandInMako.path, interface: StandInMako.interface,
                             member: "SetModes", [.array(.string, [.string("do-not-disturb")])])
        #expect(try source.waitForChange(to: true, after: 1))
    }

    /// Debian 12's mako 1.7.1, for real: no `Modes` property, no signal; `refresh` reads `ListModes`.
    @Test func mako171SignalsNothingAndIsReadAgainByRefresh() throws {
        let session = try SwaySession()
        defer { session.stop() }
        let mako = try Mako(session: session)
        defer { mako.stop() }
        let source = try Desktops.mako.started(on: session.bus, reading: false)
        defer { source.stop() }
        #expect(try source.onLoop { $0.signalsModes } == false)

        try mako.setMode("do-not-disturb")
        try source.settle()
        #expect(try source.isActive == false, "mako 1.7 signals nothing")
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == true)

        try mako.setMode("default")
        #expect(try mako.modes() == ["default"])
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == false)
        #expect(source.changeLog == [false, true, false])
        #expect(source.log.snapshot.isEmpty)
    }
}

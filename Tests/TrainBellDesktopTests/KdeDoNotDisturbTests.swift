import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What only the KDE source does; the rest is in `DoNotDisturbSourceTests`.
@Suite("KdeDoNotDisturb on a stand-in Plasma server")
struct KdeDoNotDisturbTests {
    @Test func plasmaAdvertisesTheInhibitionsCapability() {
        #expect(StandInPlasmaNotifications.capabilities.contains(KdeDoNotDisturb.capability))
    }

    @Test func anApplicationsInhibitionIsDoNotDisturbUntilItLeaves() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus)
        let source = try Desktops.kde.started(on: bus, reading: false)
        defer { source.stop(); plasma.stop() }

        let presenter = try bus.connect()
        let cookie = try presenter.call(destination: NotificationsBus.name, path: NotificationsBus.path,
                                        interface: NotificationsBus.interface, member: "Inhibit",
                                        [.string("org.kde.okular"), .string("Presenting"), .vardict([])])
        #expect(cookie == [.uint32(1)])
        #expect(try source.waitForChange(to: true, after: 1))

        presenter.close()
        #expect(try source.waitForChange(to: false, after: 2))
    }

    @Test func stopCancelsTheWatch() throws {
        let bus = try PrivateBus()
        let plasma = try StandInPlasmaNotifications(bus: bus)
        let source = try Desktops.kde.started(on: bus, reading: false)
        defer { source.stop(); plasma.stop() }
        try source.onLoop { $0.stop() }

        try plasma.setDoNotDisturb(true)
        #expect(try plasma.inhibited)
        try source.settle()
        #expect(source.changeLog == [false])
        #expect(try source.isActive == nil)
    }
}

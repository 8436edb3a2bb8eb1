import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing
import TrainBellDesktop

@Suite("DunstDoNotDisturb on the real dunst")
struct DunstDoNotDisturbTests {
    private func harness(_ bus: PrivateBus) throws -> SourceHarness<DunstDoNotDisturb> {
        try SourceHarness(bus: bus) { DunstDoNotDisturb(connection: $0, log: $1) }
    }

    /// Waits until dunst itself reports `paused` (asked from the test's own connection).
    private func waitUntilDunst(_ dunst: Dunst, paused expected: Bool, seconds: Double = 10) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while try dunst.paused != expected {
            guard Date() < deadline else { return false }
            usleep(5_000)
        }
        return true
    }

    /// dunst's version from `GetServerInformation` ("1.9.0" → [1, 9, 0]).
    private func dunstVersion(on bus: PrivateBus) throws -> [Int] {
        let client = try bus.connect()
        defer { client.close() }
        let info = try client.call(destination: NotificationsBus.name, path: NotificationsBus.path,
                                   interface: NotificationsBus.interface, member: "GetServerInformation")
        let version = try #require(info.count == 4 ? info[2].stringValue : nil)
        return version.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
    }

    @Test func describesDunst() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        #expect(try source.onLoop { [$0.name] } == ["dunst"])
        #expect(try source.onLoop { $0.holdsUrgentNotifications })
        #expect(DunstDoNotDisturb.serverNames == ["dunst"])
    }

    @Test func readsPausedAtStartAndFollowsDunstctlSetPaused() throws {
        let session = try DunstSession()
        let dunstPID = session.dunst.pid
        try session.dunst.setPaused(true)
        let source = try harness(session.bus)
        try source.start()
        #expect(try source.waitForChange(to: true))
        // dunst 1.10 and later also report the level (`set-paused` is level 100).
        #expect(try source.onLoop { $0.pauseLevel.map { $0 == 100 } ?? true })

        try session.dunst.setPaused(false)
        #expect(try source.waitForChange(to: false, after: 1))
        #expect(try source.onLoop { ($0.pauseLevel ?? 0) == 0 })
        #expect(source.changeLog == [true, false])
        #expect(source.log.snapshot.isEmpty)

        source.stop()
        session.stop()
        #expect(kill(dunstPID, 0) == -1 && errno == ESRCH)
    }

    @Test func refreshReadsAPauseThatDunstDidNotSignal() throws {
        let session = try DunstSession()
        let source = try harness(session.bus)
        defer { source.stop(); session.stop() }
        try source.start()
        #expect(try source.waitForChange(to: false))

        // SIGUSR1 pauses dunst; dunst before 1.13.1 (Debian's 1.9) emits no PropertiesChanged for it.
        let signalsPause = try dunstVersion(on: session.bus).lexicographicallyPrecedes([1, 13, 1]) == false
        kill(session.dunst.pid, SIGUSR1)
        #expect(try waitUntilDunst(session.dunst, paused: true))
        try source.settle()
        if !signalsPause {
            #expect(try source.isActive == false, "no signal came, so only refresh can tell")
        }
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == true)
        #expect(source.changeLog.last == true)

        kill(session.dunst.pid, SIGUSR2)
        #expect(try waitUntilDunst(session.dunst, paused: false))
        try source.onLoop { $0.refresh() }
        #expect(try source.isActive == false)

        // The watch still works after the blocking reads.
        let changes = source.changeLog.count
        try session.dunst.setPaused(true)
        #expect(try source.waitForChange(to: true, after: changes))
        #expect(source.log.snapshot.isEmpty)
    }

    @Test func noDunstReadsAsUnknownAndLogsOnceAtDebugLevel() throws {
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
            message: "Do Not Disturb (dunst) unknown, read as off: org.freedesktop.Notifications is not on the bus")])
        #expect(source.changeLog.isEmpty)
    }

    @Test func anotherServerReadsAsUnknownAndRefreshDoesNotLogAgain() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        let source = try harness(bus)
        defer { source.stop(); server.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })
        // Every notification decision refreshes: the failure is still logged only once.
        for _ in 0..<5 { try source.onLoop { $0.refresh() } }
        try source.settle()

        #expect(try source.isActive == nil)
        #expect(source.log.snapshot.count == 1)
        #expect(source.log.snapshot.first?.message.contains("org.freedesktop.DBus.Error.UnknownInterface") == true)
    }

    @Test func dunstStartingLaterIsRead() throws {
        let bus = try PrivateBus()
        let display = try VirtualDisplay()
        let source = try harness(bus)
        defer { source.stop(); display.stop(); bus.stop() }
        try source.start()
        #expect(source.log.wait { $0.count == 1 })

        let dunst = try Dunst(bus: bus, display: display)
        defer { dunst.stop() }
        #expect(try source.waitForChange(to: false))
        try dunst.setPaused(true)
        #expect(try source.waitForChange(to: true, after: 1))
        #expect(source.log.snapshot.count == 1)
    }
}

import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing
import TrainBellDesktop

/// What only the dunst source does; the rest is in `DoNotDisturbSourceTests`.
@Suite("DunstDoNotDisturb on the real dunst")
struct DunstDoNotDisturbTests {
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

    @Test func reportsThePauseLevelAndDunstEndsWithTheSession() throws {
        let session = try DunstSession()
        let dunstPID = session.dunst.pid
        try session.dunst.setPaused(true)
        let source = try Desktops.dunst.started(on: session.bus, reading: true)
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
        let source = try Desktops.dunst.started(on: session.bus, reading: false)
        defer { source.stop(); session.stop() }

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
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// Whether you are at the desk or away, as trainbelld follows it while it runs: stand-ins with the
/// exact interfaces of GNOME Shell's `org.gnome.ScreenSaver`, KDE's `org.freedesktop.ScreenSaver`
/// and Mutter's `org.gnome.Mutter.IdleMonitor` on the private session bus, and of systemd-logind
/// (manager and session with `LockedHint`) on a second private bus handed over as the system bus.
/// Each is switched (and started, and stopped) while the daemon runs; the `Presence` and
/// `PresenceSource` properties, their `PropertiesChanged` and `trainbell status` follow.
@Suite(.serialized) struct PresenceTests {
    /// A daemon on `bus` (and `system`, as the system bus), with `configuration`.
    struct Setup {
        let bus: PrivateBus
        let daemon: DaemonProcess
        let client: DaemonClient

        init(bus: PrivateBus, system: PrivateBus? = nil, configuration: String? = nil,
             environment: [String: String] = [:]) throws {
            self.bus = bus
            var environment = environment
            if let system { environment["DBUS_SYSTEM_BUS_ADDRESS"] = system.address }
            daemon = try DaemonProcess(bus: bus, configuration: configuration, environment: environment)
            client = try DaemonClient(bus: bus)
        }

        /// Checks `condition` until it holds or `seconds` pass, pumping the client's loop (its signals)
        /// in between: the stand-ins' state is read by calls, which no signal announces.
        @discardableResult
        func poll(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition() {
                guard Date() < deadline else { return false }
                _ = client.loop.run(until: { false }, timeout: 0.02)
            }
            return true
        }

        /// `Presence` and `PresenceSource` now.
        func presence() throws -> (String, String) {
            let values = try client.call("GetAll", [.string(DaemonProcess.interface.rawValue)], interface: .properties)
            let properties = values.first?.stringKeyedEntries ?? [:]
            return (properties["Presence"]?.stringValue ?? "?", properties["PresenceSource"]?.stringValue ?? "?")
        }

        /// Waits until the properties say `expected`, pumping the client's loop (its signals are recorded).
        @discardableResult
        func waitFor(_ expected: (String, String), timeout: Double = 10,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
            var last = ("", "")
            let reached = poll(timeout) {
                last = (try? presence()) ?? ("", "")
                return last == expected
            }
            #expect(last == expected, sourceLocation: sourceLocation)
            return reached
        }

        /// The presence line of `trainbell status`.
        func statusLine() throws -> String {
            let executable = ((try DaemonProcess.executable) as NSString).deletingLastPathComponent + "/trainbell"
            let result = try runCommand(executable, ["status"], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").first { $0.contains("presence:") }.map(String.init) ?? result.stdout
        }

        /// The `PropertiesChanged` signals received so far that carry `Presence`, with its value.
        var presenceChanges: [String] {
            client.signals.filter { $0.member == "PropertiesChanged" }.compactMap { message in
                (try? message.arguments())?.dropFirst().first?.stringKeyedEntries?["Presence"]?.stringValue
            }
        }

        func stop() { daemon.stop() }
    }

    @Test func gnomeScreenSaverLockedAndUnlockedWhileTheDaemonRuns() throws {
        let bus = try PrivateBus()
        let setup = try Setup(bus: bus)
        defer { setup.stop() }
        try setup.waitFor(("at-desk", "none"))
        #expect(try setup.statusLine() == "  presence:            at desk (none)")

        // GNOME Shell comes up after trainbelld: its screen shield is followed from then on.
        let shell = try StandInScreenSaver(.gnome, bus: bus)
        defer { shell.stop() }
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        try shell.lock()
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        #expect(try setup.statusLine() == "  presence:            away (screen locked, org.gnome.ScreenSaver)")
        try shell.unlock()
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        #expect(try setup.statusLine() == "  presence:            at desk (screen unlocked, org.gnome.ScreenSaver)")
        // Each change was announced (the first when the shell's state became known: the source changed).
        setup.poll(5) { setup.presenceChanges.count >= 3 }
        #expect(setup.presenceChanges == ["at-desk", "away", "at-desk"])

        // Locked, then the shell leaves the bus (it crashed): nothing says locked any more.
        try shell.lock()
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        shell.stop()
        try setup.waitFor(("at-desk", "none"))
        #expect((try? setup.presence()) != nil, "trainbelld still answers")
    }

    @Test func kdeScreenLockerAlreadyLockedAtStart() throws {
        let bus = try PrivateBus()
        let kde = try StandInScreenSaver(.kde, bus: bus, locked: true)
        defer { kde.stop() }
        let setup = try Setup(bus: bus, configuration: "[away]\nwhen=locked\n")
        defer { setup.stop() }
        try setup.waitFor(("away", "screen locked, org.freedesktop.ScreenSaver"))
        #expect(try setup.statusLine() == "  presence:            away (screen locked, org.freedesktop.ScreenSaver)")
        try kde.unlock()
        try setup.waitFor(("at-desk", "screen unlocked, org.freedesktop.ScreenSaver"))
        // when=locked reads no idle time.
        #expect(kde.idleTimeReads == 0)
    }

    @Test func logindLockedHintOnTheSystemBus() throws {
        let bus = try PrivateBus()
        let system = try PrivateBus(kind: .system)
        let setup = try Setup(bus: bus, system: system)
        defer { setup.stop() }
        try setup.waitFor(("at-desk", "none"))

        // logind comes up on the system bus after trainbelld: the session is looked up then.
        let logind = try StandInLogind(bus: system)
        try setup.waitFor(("at-desk", "screen unlocked, org.freedesktop.login1"))
        #expect(logind.sessionsAskedFor.first == "auto")
        try logind.lock()
        try setup.waitFor(("away", "screen locked, org.freedesktop.login1"))
        #expect(try setup.statusLine() == "  presence:            away (screen locked, org.freedesktop.login1)")
        try logind.unlock()
        try setup.waitFor(("at-desk", "screen unlocked, org.freedesktop.login1"))

        // A screen saver on the session bus that says locked decides, and is named first.
        let shell = try StandInScreenSaver(.gnome, bus: bus, locked: true)
        defer { shell.stop() }
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        try shell.unlock()
        try logind.lock()
        try setup.waitFor(("away", "screen locked, org.freedesktop.login1"))

        // logind restarts: the session is looked up again, its hint read again.
        logind.stop()
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        let again = try StandInLogind(bus: system, locked: true)
        defer { again.stop() }
        try setup.waitFor(("away", "screen locked, org.freedesktop.login1"))
        #expect(again.sessionsAskedFor == ["auto"])
    }

    /// GNOME as it is: the shell's screen shield, gnome-settings-daemon's proxy on
    /// `org.freedesktop.ScreenSaver` (which answers NotSupported to all but inhibiting) and Mutter's
    /// idle monitor. The proxy says nothing, is logged once, and sets no timer.
    @Test func onGnomeTheSettingsDaemonProxySaysNothing() throws {
        let bus = try PrivateBus()
        let shell = try StandInScreenSaver(.gnome, bus: bus)
        defer { shell.stop() }
        let proxy = try StandInScreenSaver(.gnomeProxy, bus: bus)
        defer { proxy.stop() }
        let mutter = try StandInMutterIdleMonitor(bus: bus)
        defer { mutter.stop() }
        let setup = try Setup(bus: bus)
        defer { setup.stop() }
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        try mutter.idle(forMilliseconds: 600_000)
        try setup.waitFor(("away", "no input for 10 min, org.gnome.Mutter.IdleMonitor"))
        try shell.lock()
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        try shell.unlock()
        try mutter.input()
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        #expect(proxy.idleTimeReads == 1)
        let unknown = setup.daemon.log.split(separator: "\n").filter { $0.contains("of org.freedesktop.ScreenSaver is unknown") }
        #expect(unknown.count == 1)
        #expect(unknown.first?.contains("NotSupported") == true, "\(unknown)")
    }

    /// A logind that names no session for "auto" (trainbelld outside any session, no display
    /// session): `XDG_SESSION_ID` is asked for next.
    @Test func logindWithoutAnAutoSessionIsAskedForXdgSessionID() throws {
        let bus = try PrivateBus()
        let system = try PrivateBus(kind: .system)
        let logind = try StandInLogind(bus: system, locked: true, answersAuto: false)
        defer { logind.stop() }
        let setup = try Setup(bus: bus, system: system, environment: ["XDG_SESSION_ID": StandInLogind.sessionID])
        defer { setup.stop() }
        try setup.waitFor(("away", "screen locked, org.freedesktop.login1"))
        #expect(logind.sessionsAskedFor == ["auto", StandInLogind.sessionID])
    }

    /// The system bus goes away while trainbelld runs (its dbus-daemon killed): the logind source is
    /// gone, said once in the log; trainbelld keeps serving on the session bus.
    @Test func aLostSystemBusDropsTheLogindSourceOnly() throws {
        let bus = try PrivateBus()
        let system = try PrivateBus(kind: .system)
        let logind = try StandInLogind(bus: system, locked: true)
        defer { logind.stop() }
        let setup = try Setup(bus: bus, system: system)
        defer { setup.stop() }
        try setup.waitFor(("away", "screen locked, org.freedesktop.login1"))
        system.kill()
        try setup.waitFor(("at-desk", "none"))
        let shell = try StandInScreenSaver(.gnome, bus: bus, locked: true)
        defer { shell.stop() }
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        let lines = setup.daemon.log.split(separator: "\n").filter { $0.contains("lost the system bus") }
        #expect(lines.count == 1, "\(setup.daemon.log)")
    }

    @Test func noSystemBusIsLoggedOnceAndTheRestWorks() throws {
        let bus = try PrivateBus()
        let setup = try Setup(bus: bus)
        defer { setup.stop() }
        let shell = try StandInScreenSaver(.gnome, bus: bus, locked: true)
        defer { shell.stop() }
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        // A reload with another rule starts the sources again; the missing bus is not tried again.
        try "[away]\nwhen=locked\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
        try setup.client.call("Reload")
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))
        let lines = setup.daemon.log.split(separator: "\n").filter { $0.contains("no system bus") }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("logind's LockedHint is not watched") == true)
    }

    @Test func mutterIdleMonitorFiresWhileTheDaemonRuns() throws {
        let bus = try PrivateBus()
        let mutter = try StandInMutterIdleMonitor(bus: bus)
        defer { mutter.stop() }
        let setup = try Setup(bus: bus, configuration: "[away]\nwhen=idle\naway-after=3\n")
        defer { setup.stop() }
        try setup.waitFor(("at-desk", "input within 3 min, org.gnome.Mutter.IdleMonitor"))
        // One idle watch of three minutes, no timer of trainbelld's own.
        #expect(mutter.watches.map(\.interval) == [180_000])

        try mutter.idle(forMilliseconds: 179_000)
        try mutter.idle(forMilliseconds: 1_000)
        try setup.waitFor(("away", "no input for 3 min, org.gnome.Mutter.IdleMonitor"))
        #expect(try setup.statusLine() == "  presence:            away (no input for 3 min, org.gnome.Mutter.IdleMonitor)")
        // Now a user-active watch waits for the return.
        setup.poll(5) { mutter.watches.count == 2 }
        #expect(mutter.watches.map(\.interval) == [180_000, nil])
        try mutter.input()
        try setup.waitFor(("at-desk", "input within 3 min, org.gnome.Mutter.IdleMonitor"))
        #expect(mutter.watches.map(\.interval) == [180_000])

        // A locked screen counts with when=idle too, and comes first.
        let shell = try StandInScreenSaver(.gnome, bus: bus)
        defer { shell.stop() }
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        try mutter.idle(forMilliseconds: 200_000)
        try setup.waitFor(("away", "no input for 3 min, org.gnome.Mutter.IdleMonitor"))
        try shell.lock()
        try setup.waitFor(("away", "screen locked, org.gnome.ScreenSaver"))

        // when=locked: idleness no longer counts, and the watches are removed.
        try "[away]\nwhen=locked\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
        try setup.client.call("Reload")
        try shell.unlock()
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        setup.poll(5) { mutter.watches.isEmpty }
        #expect(mutter.watches.isEmpty)
    }

    /// A `Reload` that starts the idle monitors again (a new away-after) waits for their first
    /// answers before it decides: away by idleness stays away throughout, with no flap to "at-desk"
    /// in between for the sinks to take for a return.
    @Test func aReloadThatChangesTheSourcesDoesNotMakeThePresenceFlap() throws {
        let bus = try PrivateBus()
        let shell = try StandInScreenSaver(.gnome, bus: bus)
        defer { shell.stop() }
        let mutter = try StandInMutterIdleMonitor(bus: bus)
        defer { mutter.stop() }
        let setup = try Setup(bus: bus)
        defer { setup.stop() }
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
        try mutter.idle(forMilliseconds: 3_600_000)
        try setup.waitFor(("away", "no input for 10 min, org.gnome.Mutter.IdleMonitor"))
        setup.poll(0.3) { false }
        setup.client.clearSignals()
        for minutes in [5, 20, 30] {
            try "[away]\naway-after=\(minutes)\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
            try setup.client.call("Reload")
            try setup.waitFor(("away", "no input for \(minutes) min, org.gnome.Mutter.IdleMonitor"))
        }
        // Mutter holds the watches of the last rule only.
        setup.poll { mutter.watches.map(\.interval) == [1_800_000, nil] }
        #expect(mutter.watches.map(\.interval) == [1_800_000, nil])
        setup.poll(0.3) { false }
        #expect(setup.presenceChanges == ["away", "away", "away"])
    }

    @Test func mutterRestartedGetsTheWatchesAgain() throws {
        let bus = try PrivateBus()
        let setup = try Setup(bus: bus, configuration: "[away]\naway-after=1\n")
        defer { setup.stop() }
        let first = try StandInMutterIdleMonitor(bus: bus)
        try setup.waitFor(("at-desk", "input within 1 min, org.gnome.Mutter.IdleMonitor"))
        first.stop()
        try setup.waitFor(("at-desk", "none"))
        let second = try StandInMutterIdleMonitor(bus: bus)
        defer { second.stop() }
        try second.idle(forMilliseconds: 30_000)
        try setup.waitFor(("at-desk", "input within 1 min, org.gnome.Mutter.IdleMonitor"))
        #expect(second.watches.map(\.interval) == [60_000])
        try second.idle(forMilliseconds: 30_000)
        try setup.waitFor(("away", "no input for 1 min, org.gnome.Mutter.IdleMonitor"))
    }

    @Test func kdeSessionIdleTimeIsReadOnlyWhenItCouldReachTheLimit() throws {
        let bus = try PrivateBus()
        let kde = try StandInScreenSaver(.kde, bus: bus)
        defer { kde.stop() }
        try kde.setIdleSeconds(60)
        let setup = try Setup(bus: bus, configuration: "[away]\naway-after=1\n")
        defer { setup.stop() }
        // Idle for the whole minute already at start.
        try setup.waitFor(("away", "no input for 1 min, org.freedesktop.ScreenSaver"))
        #expect(kde.idleTimeReads == 1)
        // Back (no signal exists): noticed at the next read, 15 s later.
        try kde.setIdleSeconds(0)
        try setup.waitFor(("at-desk", "screen unlocked, org.freedesktop.ScreenSaver"), timeout: 30)  // ScreenSaverIdleTime.returnCheck is 15 s
        #expect(kde.idleTimeReads == 2)
    }

    @Test func whenAlwaysAndNeverOverrideEverySource() throws {
        let bus = try PrivateBus()
        let shell = try StandInScreenSaver(.gnome, bus: bus, locked: true)
        defer { shell.stop() }
        let mutter = try StandInMutterIdleMonitor(bus: bus)
        defer { mutter.stop() }
        let setup = try Setup(bus: bus, configuration: "[away]\nwhen=never\n")
        defer { setup.stop() }
        try setup.waitFor(("at-desk", "[away] when=never"))
        #expect(try setup.statusLine() == "  presence:            at desk ([away] when=never)")
        // No source is watched: no idle watch at Mutter.
        #expect(mutter.watches.isEmpty)
        try shell.unlock()

        try "[away]\nwhen=always\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
        try setup.client.call("Reload")
        try setup.waitFor(("away", "[away] when=always"))
        #expect(try setup.statusLine() == "  presence:            away ([away] when=always)")
        try shell.lock()
        try shell.unlock()
        try setup.waitFor(("away", "[away] when=always"))

        try "[away]\nwhen=locked\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
        try setup.client.call("Reload")
        try setup.waitFor(("at-desk", "screen unlocked, org.gnome.ScreenSaver"))
    }

    @Test func aBadAwayValueIsRefusedAndTheDaemonKeepsRunning() throws {
        let bus = try PrivateBus()
        let setup = try Setup(bus: bus, configuration: "[away]\nwhen=always\n")
        defer { setup.stop() }
        try setup.waitFor(("away", "[away] when=always"))
        try "[away]\nwhen=lunch\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
        let error = setup.client.error("Reload")
        #expect(error?.message.contains("[away] when: \"lunch\" is not when you are away; accepted: locked (the screen is locked), idle (locked, or no input for away-after minutes), always or never") == true,
                "\(String(describing: error))")
        try "[away]\naway-after=0\n".write(toFile: setup.daemon.configPath, atomically: true, encoding: .utf8)
        let tooShort = setup.client.error("Reload")
        #expect(tooShort?.message.contains("[away] away-after: 0 is out of range; accepted: a whole number of minutes without input from 1 to 1440 (a day)") == true,
                "\(String(describing: tooShort))")
        // The last good configuration stays.
        try setup.waitFor(("away", "[away] when=always"))
        #expect((try? setup.presence()) != nil, "trainbelld still answers")
    }
}

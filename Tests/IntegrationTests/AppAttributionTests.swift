import BusTestSupport
import DBus
import TrainBellAPI
import Foundation
import Testing

/// A job that names no app takes its caller's: here a `gdbus` launched the way GLib launches a
/// desktop app (`GIO_LAUNCHED_DESKTOP_FILE` with its own pid), whose desktop file is installed.
@Suite(.serialized) struct AppAttributionTests {
    @Test func theCallersDesktopAppBecomesTheJobsApp() throws {
        let gdbus = try requireTool("gdbus", package: "libglib2.0-bin")
        let bus = try PrivateBus()
        let dock = try StandInDock(bus: bus)
        defer { dock.stop() }
        let data = try TemporaryDirectory("trainbell-data")
        try FileManager.default.createDirectory(atPath: data.path + "/applications", withIntermediateDirectories: true)
        let desktopFile = data.path + "/applications/org.example.Trainer.desktop"
        try "[Desktop Entry]\nType=Application\nName=Trainer\nExec=trainer\n".write(toFile: desktopFile, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(bus: bus, environment: ["XDG_DATA_HOME": data.path, "XDG_DATA_DIRS": "/nonexistent"])
        defer { daemon.stop() }

        // exec keeps the shell's pid, so the variable names the process that makes the call.
        let script = "GIO_LAUNCHED_DESKTOP_FILE=\(desktopFile) GIO_LAUNCHED_DESKTOP_FILE_PID=$$ exec \(gdbus) call -e -d org.trainbell.TrainBell1 -o /org/trainbell/TrainBell1 -m org.trainbell.TrainBell1.StartJob launched '' 100 '{}'"
        let started = try runCommand("/bin/sh", ["-c", script], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(started.status == 0, "\(started.stderr)")

        let client = try DaemonClient(bus: bus)
        let appID: () -> DBusValue? = {
            (try? client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("AppId")], interface: .properties,
                              path: "/org/trainbell/TrainBell1/job/launched"))?.first?.unwrapped
        }
        #expect(client.loop.run(until: { appID() == .string("org.example.Trainer") }, timeout: 10), "AppId is \(String(describing: appID()))")
        try client.progress("launched", 40)
        #expect(dock.wait { $0.last?.appURI == "application://org.example.Trainer.desktop" && $0.last?.properties["progress"] == .double(0.4) })

        // A caller whose app has no desktop file gets none.
        let other = try runCommand(gdbus, ["call", "-e", "-d", "org.trainbell.TrainBell1", "-o", "/org/trainbell/TrainBell1",
                                           "-m", "org.trainbell.TrainBell1.StartJob", "plain", "", "100", "{}"],
                                   environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address,
                                                 "GIO_LAUNCHED_DESKTOP_FILE": data.path + "/applications/missing.desktop"])
        #expect(other.status == 0)
        _ = client.loop.run(until: { false }, timeout: 0.3)
        #expect(try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("AppId")], interface: .properties,
                                path: "/org/trainbell/TrainBell1/job/plain") == [.variant(.string(""))])
    }
}

/// A caller that starts many jobs at once by their first reports: one look-up of its app, not one
/// a job (each reads /proc up the caller's process tree), and every job gets the app.
@Suite(.serialized) struct AppLookupBurstTests {
    @Test func aBurstOfNewJobsFromOneCallerMakesOneLookUpAndAllGetTheApp() throws {
        let dbusMonitor = try requireTool("dbus-monitor", package: "dbus-bin")
        let cc = try requireTool("cc", package: "gcc")
        let pkgConfig = try requireTool("pkg-config", package: "pkg-config")
        let bus = try PrivateBus()
        let scratch = try TemporaryDirectory("trainbell-burst")
        try FileManager.default.createDirectory(atPath: scratch.path + "/applications", withIntermediateDirectories: true)
        let desktopFile = scratch.path + "/applications/org.example.Trainer.desktop"
        try "[Desktop Entry]\nType=Application\nName=Trainer\nExec=trainer\n".write(toFile: desktopFile, atomically: true, encoding: .utf8)
        // One connection sending 20 first reports without waiting (the call-rate bench's client), then a
        // Ping; it stays 2 s more, as a training does, so that its process is there to be read.
        let flags = try runCommand(pkgConfig, ["--cflags", "--libs", "dbus-1"])
        let client = scratch.path + "/call-rate-bench"
        let compiled = try runCommand(cc, ["-O2", "-o", client, InterfaceFileTests.projectRoot + "/Tests/Tools/call-rate-bench.c"]
                                      + flags.stdout.split(whereSeparator: \.isWhitespace).map(String.init))
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let daemon = try DaemonProcess(bus: bus, environment: ["XDG_DATA_HOME": scratch.path, "XDG_DATA_DIRS": "/nonexistent"])
        defer { daemon.stop() }
        let reader = try DaemonClient(bus: bus)
        func busCall(_ member: MemberName, _ argument: String) throws -> [DBusValue] {
            try reader.connection.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: .bus,
                                       member: member, [.string(argument)], timeout: 10)
        }
        guard case .string(let daemonName)? = try busCall("GetNameOwner", "org.trainbell.TrainBell1").first else {
            Issue.record("trainbelld owns no name")
            return
        }
        let monitorLog = scratch.path + "/monitor.log"
        let monitor = try ChildProcess(dbusMonitor, ["--address", bus.address, "member='GetConnectionUnixProcessID'"],
                                       stdout: monitorLog)
        defer { monitor.terminate() }
        func lookUps(by sender: String) -> Int {
            ((try? String(contentsOfFile: monitorLog, encoding: .utf8)) ?? "").components(separatedBy: "\n")
                .filter { $0.hasPrefix("method call") && $0.contains("sender=\(sender) ") && $0.contains("member=GetConnectionUnixProcessID") }
                .count
        }
        // The monitor watches once it has seen a look-up of the test's own.
        let ownName = reader.connection.uniqueName
        // (A file is written without waking the loop: it is read again every 50 ms.)
        var watching = false
        for _ in 0..<200 where !watching {
            _ = try? busCall("GetConnectionUnixProcessID", daemonName)
            watching = reader.loop.run(until: { lookUps(by: ownName) > 0 }, timeout: 0.05)
        }
        #expect(watching, "dbus-monitor is watching")

        let script = "GIO_LAUNCHED_DESKTOP_FILE=\(desktopFile) GIO_LAUNCHED_DESKTOP_FILE_PID=$$ exec \(client) \(bus.address) 20 1 1 2 org.trainbell.TrainBell1,/org/trainbell/TrainBell1,org.trainbell.TrainBell1,ReportProgress"
        let sent = try runCommand("/bin/sh", ["-c", script], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(sent.status == 0, "\(sent.stderr)")

        let appID: (Int) -> DBusValue? = { index in
            guard let path = ObjectPath(rawValue: "/org/trainbell/TrainBell1/job/job\(index)") else { return nil }
            return (try? reader.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("AppId")], interface: .properties,
                                     path: path))?.first?.unwrapped
        }
        let all = reader.loop.run(until: { (0..<20).allSatisfy { appID($0) == .string("org.example.Trainer") } }, timeout: 10)
        #expect(all, "every job has the caller's app: \((0..<20).map { appID($0).map(String.init(describing:)) ?? "none" })")
        for _ in 0..<200 where lookUps(by: daemonName) == 0 { _ = reader.loop.run(until: { false }, timeout: 0.05) }
        #expect(lookUps(by: daemonName) == 1, "trainbelld's look-ups of the caller's pid: \(lookUps(by: daemonName))")
    }
}

/// An app id no dock can show used to be accepted silently: `--app-id xterm` on Debian (whose xterm
/// installs debian-xterm.desktop) exited 0 and Plank showed nothing, telling no one why.
@Suite(.serialized) struct UninstalledAppIDTests {
    @Test func anAppIDWithoutADesktopFileIsKeptButNamedWithTheClosestInstalledOnes() throws {
        let data = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: data.path + "/applications", withIntermediateDirectories: true)
        try "[Desktop Entry]\nType=Application\nName=XTerm\nExec=xterm\n".write(
            toFile: data.path + "/applications/debian-xterm.desktop", atomically: true, encoding: .utf8)
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus, environment: ["XDG_DATA_HOME": data.path, "XDG_DATA_DIRS": "/nonexistent"])
        defer { daemon.stop() }
        let start = try runCommand(try CommandLineTests.trainbell, ["start", "run", "--total", "10", "--app-id", "xterm"],
                                   environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(start.status == 0)
        #expect(start.stdout == "/org/trainbell/TrainBell1/job/run\n")
        #expect(start.stderr == "trainbell: no desktop file is installed for app id 'xterm', so no dock shows its progress; did you mean debian-xterm?\n")
        #expect(daemon.log.contains("no desktop file is installed for app id 'xterm'"))
        // The id is kept: it may be installed later.
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let app = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("AppId")], interface: .properties,
                                  path: "/org/trainbell/TrainBell1/job/run")
        #expect(app.first?.unwrapped == .string("xterm"))
        // An installed one says nothing.
        let fine = try runCommand(try CommandLineTests.trainbell, ["start", "run2", "--total", "10", "--app-id", "debian-xterm.desktop"],
                                  environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(fine.status == 0 && fine.stderr == "")
        let check = try client.api.call(TrainBell1.checkAppID, "debian-xterm")
        #expect(check.installed && check.suggestions.isEmpty)
        #expect(client.error("CheckAppId", [.string("")])?.name.rawValue == "org.trainbell.TrainBell1.Error.InvalidArgument")
    }
}

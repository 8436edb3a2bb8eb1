import BusTestSupport
import DBus
import Foundation
import Testing

/// Issue 17 item 3: the `trainbell` command links libdbus, not GLib, so that a `progress` call in a
/// training loop does not map and initialise gio, gobject and glib. `trainbelld` still links them
/// (GSettings, GLib's main loop).
@Suite(.serialized) struct CommandWithoutGLibTests {
    static let glibLibraries = ["libgio-2.0", "libgobject-2.0", "libglib-2.0"]

    /// The GLib libraries that appear in `text`.
    static func glib(in text: String) -> [String] {
        glibLibraries.filter { text.contains($0) }
    }

    @Test func theCommandDoesNotLinkGLibAndTheDaemonDoes() throws {
        let ldd = try requireTool("ldd", package: "libc-bin")
        let command = try runCommand(ldd, [try CommandLineTests.trainbell])
        #expect(command.status == 0, "\(command.stderr)")
        #expect(command.stdout.contains("libdbus-1"), "\(command.stdout)")
        #expect(Self.glib(in: command.stdout).isEmpty, "\(command.stdout)")

        let daemon = try runCommand(ldd, [try DaemonProcess.executable])
        #expect(daemon.status == 0, "\(daemon.stderr)")
        #expect(Self.glib(in: daemon.stdout) == Self.glibLibraries, "\(daemon.stdout)")
    }

    /// What the dynamic loader loads (LD_DEBUG=libs writes it to standard error), not only what the
    /// binary names: nothing it links may bring GLib in either.
    @Test func versionLoadsNoGLib() throws {
        let version = try runCommand(try CommandLineTests.trainbell, ["--version"], environment: ["LD_DEBUG": "libs"])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.stderr.contains("calling init") && version.stderr.contains("libdbus-1"), "LD_DEBUG had no effect")
        #expect(Self.glib(in: version.stderr).isEmpty, "\(version.stderr)")
    }

    @Test func progressAgainstTheDaemonLoadsNoGLib() throws {
        let s = try CommandLineTests.Setup()
        defer { s.stop() }
        #expect(try s.run(["start", "no-glib", "--total", "10"]).status == 0)
        let progress = try runCommand(try CommandLineTests.trainbell, ["progress", "no-glib", "3"],
                                      environment: s.env.merging(["LD_DEBUG": "libs"]) { $1 })
        #expect(progress.status == 0, "\(progress.stderr)")
        #expect(progress.stderr.contains("calling init") && progress.stderr.contains("libdbus-1"), "LD_DEBUG had no effect")
        #expect(Self.glib(in: progress.stderr).isEmpty, "\(progress.stderr)")
        let status = try s.run(["status"])
        #expect(status.stdout.contains("3/10"), "\(status.stdout)")
    }
}

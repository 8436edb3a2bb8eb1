import DBus
import Foundation

/// A whole private Wayland desktop for one test, run by an unprivileged user (`UnprivilegedUser`,
/// since sway 1.7 refuses root): its `XDG_RUNTIME_DIR` (0700, the user's), a private session bus run
/// by that user that also lets the test in, a headless sway, and a recorder of the notification
/// traffic on the bus (started before any server, so it sees everything). A notification server
/// (`Mako`, `Swaync`) and trainbelld (`daemon`) are started on it by the test. Every program gets
/// only this session's environment (`environment`), never the developer's bus, display or files.
/// Stopped in reverse order when stopped or dropped.
public final class SwaySession: @unchecked Sendable {
    // @unchecked Sendable: the parts are Sendable; `stop` only stops them.
    public let user: UnprivilegedUser
    /// `XDG_RUNTIME_DIR`: the Wayland and sway sockets.
    public let runtimeDirectory: TemporaryDirectory
    /// The desktop's files: `home` (`HOME`: mako reads `~/.mako/config` before `XDG_CONFIG_HOME`, and
    /// a developer running the tests as themselves must not lend theirs), `config` (`XDG_CONFIG_HOME`,
    /// shared by the notification server and trainbelld, as on a real desktop), `cache`, `data`, logs
    /// and screenshots.
    public let home: TemporaryDirectory
    public let bus: PrivateBus
    public let sway: HeadlessSway
    public let recorder: NotifyRecorder

    /// `XDG_CONFIG_HOME` of every program of the session.
    public var configHome: String { home.path + "/config" }

    public init() throws {
        user = try UnprivilegedUser.forDesktops()
        runtimeDirectory = try user.temporaryDirectory("trainbell-runtime")
        home = try TemporaryDirectory("trainbell-desktop")
        for folder in ["home", "config", "cache", "data"] {
            try FileManager.default.createDirectory(atPath: home.path + "/" + folder, withIntermediateDirectories: true)
        }
        try user.give(home.path)
        let base = Self.baseEnvironment(user: user, runtime: runtimeDirectory.path, home: home.path)
        bus = try PrivateBus(environment: base, user: user)
        sway = try HeadlessSway(user: user, environment: base.merging(["DBUS_SESSION_BUS_ADDRESS": bus.address]) { $1 },
                                scratch: home.path)
        recorder = try NotifyRecorder(bus: bus)
    }

    /// What every program of the session gets, and nothing else: the user's identity, this session's
    /// home, runtime and configuration folders, GTK kept off dconf and the accessibility bus.
    static func baseEnvironment(user: UnprivilegedUser, runtime: String, home: String) -> [String: String] {
        [
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": home + "/home", "USER": user.name, "LOGNAME": user.name, "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": runtime,
            "XDG_CONFIG_HOME": home + "/config", "XDG_CACHE_HOME": home + "/cache", "XDG_DATA_HOME": home + "/data",
            "GSETTINGS_BACKEND": "memory", "NO_AT_BRIDGE": "1", "GDK_BACKEND": "wayland",
        ]
    }

    /// The environment of a program run in this session (as `user`): its bus, its Wayland display.
    public var environment: [String: String] {
        Self.baseEnvironment(user: user, runtime: runtimeDirectory.path, home: home.path).merging([
            "DBUS_SESSION_BUS_ADDRESS": bus.address, "WAYLAND_DISPLAY": sway.waylandDisplay,
            "SWAYSOCK": sway.ipcSocket, "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "sway",
        ]) { $1 }
    }

    /// Runs `tool` (found on PATH, else `MissingTool` naming `package`) in this session as its user.
    @discardableResult
    public func run(_ tool: String, package: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try user.run(try requireTool(tool, package: package), arguments, environment: environment)
    }

    /// Starts a program in this session as its user, its output to `log`.
    public func spawn(_ executable: String, _ arguments: [String], log: String) throws -> ChildProcess {
        try user.spawn(executable, arguments, environment: environment, stdout: log, stderr: log)
    }

    /// Writes `text` to `path` under `configHome` (such as `mako/config`), readable by the session's user.
    public func writeConfiguration(_ text: String, to path: String) throws {
        let full = configHome + "/" + path
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        try user.give(configHome)
    }

    /// trainbelld from the build folder, run as the session's user with this session's environment
    /// (so it reads the same `XDG_CONFIG_HOME` as the notification server); `configuration` goes to
    /// `$XDG_CONFIG_HOME/trainbell/config`.
    public func daemon(configuration: String? = nil, arguments: [String] = []) throws -> DaemonProcess {
        try DaemonProcess(bus: bus, configuration: configuration, arguments: arguments, environment: environment, user: user)
    }

    private var screenshots = 0

    /// What the output shows now (`grim`, Debian `grim`).
    public func screenshot() throws -> Screenshot {
        screenshots += 1
        let path = home.path + "/screenshot-\(screenshots).ppm"
        let grim = try run("grim", package: "grim", ["-t", "ppm", path])
        guard grim.status == 0, let data = FileManager.default.contents(atPath: path) else {
            throw HarnessError("grim exited \(grim.status): \(grim.stderr)")
        }
        return try Screenshot(ppm: data)
    }

    /// Takes screenshots until `condition` holds for one or `timeout` seconds pass (a server draws
    /// just after it answers `Notify`); returns the last one.
    public func screenshot(timeout: Double = 5, until condition: (Screenshot) -> Bool) throws -> Screenshot {
        let deadline = Date().addingTimeInterval(timeout)
        var shot = try screenshot()
        while !condition(shot) && Date() < deadline {
            usleep(50_000)
            shot = try screenshot()
        }
        return shot
    }

    public func stop() {
        recorder.stop()
        sway.stop()
        bus.stop()
    }

    deinit { stop() }
}

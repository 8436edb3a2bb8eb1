import DBus
import Foundation
import Glibc

/// The real GNOME Shell 43 (Debian packages `gnome-shell` and `gjs`) as a headless Wayland compositor
/// with one virtual monitor, on buses and folders of its own:
///
/// - a private session bus whose only activatable service is GNOME Shell's notification service
///   (`org.gnome.Shell.Notifications`, a gjs process that owns `org.freedesktop.Notifications` and hands
///   each notification to the shell): with Debian's service directories, a call to
///   `org.freedesktop.Notifications` could activate mako or dunst instead;
/// - a private system bus (`DBUS_SYSTEM_BUS_ADDRESS`): without one GNOME Shell dies in loginManager.js;
///   with an empty one it runs without logind, polkit or accounts;
/// - `GSETTINGS_BACKEND=keyfile` in a scratch `XDG_CONFIG_HOME` (`settingsEnvironment`, to be shared with
///   the daemon and `gsettings`), a scratch `HOME`, `XDG_DATA_HOME`, `XDG_CACHE_HOME` and
///   `XDG_RUNTIME_DIR` (its Wayland socket); no `DISPLAY`, no `WAYLAND_DISPLAY` of the developer's.
///
/// It runs as the user running the tests; as root (CI), GNOME Shell says so in a banner of its own.
/// The desktop is made plain so that a test can read the screen: a solid background (`background`),
/// the overview left (Escape, through Mutter's RemoteDesktop API), the startup banners ("Logged in as
/// a privileged user", "Screen Lock disabled" — the latter skipped by its marker file) waited out
/// once "GNOME Shell started" is logged.
/// GNOME Shell keeps a banner on the screen while the user is idle, so waiting nudges the pointer.
///
/// `screenshot` asks GNOME Shell itself (`org.gnome.Shell.Screenshot`, which serves only callers that
/// own one of a few names: this session's control connection owns `org.gnome.Screenshot`). `click`
/// presses the left button at a point, as a user would.
///
/// Stopped when stopped or dropped: the shell, then the activated notification service by its process id,
/// then the buses.
public final class GnomeShellSession: @unchecked Sendable {
    // @unchecked Sendable: the processes are only started and stopped from the test's thread; `control`
    // makes blocking calls only.
    public static let width = 1280
    public static let height = 800
    /// The desktop's colour (`org.gnome.desktop.background primary-color`, no picture).
    public static let background = RGB(0x20, 0x4a, 0x87)
    /// GNOME Shell 43's top bar at scale 1; banners are drawn below it.
    public static let topBarHeight = 32
    /// GNOME Shell's notification service: owns `org.freedesktop.Notifications`, forwards to the shell.
    public static let notificationService: BusName = "org.gnome.Shell.Notifications"
    static let installedServiceFile = "/usr/share/dbus-1/services/org.gnome.Shell.Notifications.service"
    static let remoteDesktop: BusName = "org.gnome.Mutter.RemoteDesktop"
    static let remoteDesktopSession: InterfaceName = "org.gnome.Mutter.RemoteDesktop.Session"

    /// The session bus.
    public let bus: PrivateBus
    public let systemBus: PrivateBus
    /// Every `Notify` on the session bus: the client's to the notification service, and the service's to
    /// the shell (`shellReceived`).
    public let recorder: NotifyRecorder
    /// `GSETTINGS_BACKEND` and `XDG_CONFIG_HOME` of the shell: the same settings for the daemon and `gsettings`.
    public let settingsEnvironment: [String: String]
    private let home: TemporaryDirectory
    private let shell: ChildProcess
    private let control: Connection
    private var pointerSession: ObjectPath?
    private var shots = 0
    private var stopped = false

    public var logPath: String { home.path + "/gnome-shell.log" }
    /// What GNOME Shell wrote so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// What a client process started by the test needs: this session bus and the shell's settings.
    public var clientEnvironment: [String: String] {
        settingsEnvironment.merging(["DBUS_SESSION_BUS_ADDRESS": bus.address]) { $1 }
    }

    /// Starts the buses and GNOME Shell, waits until it serves notifications, leaves the overview and waits
    /// until the startup banners are gone.
    public init(startTimeout: Double = 30) throws {
        let gnomeShell = try requireTool("gnome-shell", package: "gnome-shell")
        _ = try requireTool("gjs", package: "gjs")
        guard let service = try? String(contentsOfFile: Self.installedServiceFile, encoding: .utf8) else {
            throw MissingTool(tool: Self.installedServiceFile, package: "gnome-shell")
        }
        home = try TemporaryDirectory("trainbell-gnome")
        let paths = ["config": home.path + "/config", "data": home.path + "/data", "cache": home.path + "/cache",
                     "runtime": home.path + "/runtime", "services": home.path + "/services"]
        for path in paths.values { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        chmod(paths["runtime"] ?? "", 0o700)
        try service.write(toFile: (paths["services"] ?? "") + "/org.gnome.Shell.Notifications.service", atomically: true, encoding: .utf8)
        try Self.writeSettings(configHome: paths["config"] ?? "")
        // GNOME Shell shows "Screen Lock disabled" (no GDM here) once, then leaves this marker.
        try FileManager.default.createDirectory(atPath: (paths["data"] ?? "") + "/gnome-shell", withIntermediateDirectories: true)
        try "".write(toFile: (paths["data"] ?? "") + "/gnome-shell/lock-warning-shown", atomically: true, encoding: .utf8)

        settingsEnvironment = ["GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": paths["config"] ?? ""]
        systemBus = try PrivateBus(kind: .system)
        // dbus-daemon hands its environment to the services it activates.
        var environment = settingsEnvironment.merging([
            "HOME": home.path, "XDG_DATA_HOME": paths["data"] ?? "", "XDG_CACHE_HOME": paths["cache"] ?? "",
            "XDG_RUNTIME_DIR": paths["runtime"] ?? "", "DBUS_SYSTEM_BUS_ADDRESS": systemBus.address,
            "XDG_CURRENT_DESKTOP": "GNOME", "XDG_SESSION_TYPE": "wayland",
        ]) { $1 }
        bus = try PrivateBus(serviceDirectories: [paths["services"] ?? ""], environment: environment)
        recorder = try NotifyRecorder(bus: bus)
        environment["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        var shellEnvironment = ProcessInfo.processInfo.environment
        for name in ["DISPLAY", "WAYLAND_DISPLAY", "DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE", "XDG_SESSION_ID",
                     "XDG_SEAT", "XDG_VTNR", "JOURNAL_STREAM"] {
            shellEnvironment[name] = nil
        }
        shellEnvironment.merge(environment) { $1 }
        shell = try ChildProcess(gnomeShell, ["--headless", "--wayland", "--no-x11",
                                              "--virtual-monitor", "\(Self.width)x\(Self.height)"],
                                 environment: shellEnvironment, stdout: home.path + "/gnome-shell.log",
                                 stderr: home.path + "/gnome-shell.log")
        control = try bus.connect()
        do {
            try waitForNames([Self.remoteDesktop, "org.gnome.Shell.Screenshot", NotificationsBus.name], timeout: startTimeout)
            guard try control.requestName("org.gnome.Screenshot") == .primaryOwner else {
                throw HarnessError("org.gnome.Screenshot is owned by someone else on a private bus")
            }
            try startPointerSession()
            // "GNOME Shell started" comes with the end of the startup animation, when the shell shows its
            // own first banners: only then is the screen worth reading.
            try waitForLog("GNOME Shell started at", timeout: startTimeout)
            try leaveOverview(timeout: 10)
            // A banner slides in a moment after it is asked for: a clear screen must stay clear a while.
            guard try waitUntilNothingIsDrawn(timeout: 30, steadyFor: 1.5) else {
                throw HarnessError("GNOME Shell's startup banners did not go away; last screen: \(try screenshot().keep(as: "gnome-startup"))")
            }
        } catch {
            stop()
            throw error
        }
    }

    /// The keyfile GSettings reads: a plain desktop, no welcome tour.
    static func writeSettings(configHome: String) throws {
        let directory = configHome + "/glib-2.0/settings"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            [org/gnome/desktop/background]
            picture-options='none'
            primary-color='\(background)'
            color-shading-type='solid'

            [org/gnome/shell]
            welcome-dialog-last-shown-version='999'

            """.write(toFile: directory + "/keyfile", atomically: true, encoding: .utf8)
    }

    private func waitForLog(_ line: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !log.contains(line) {
            guard shell.isRunning, Date() < deadline else {
                throw HarnessError("GNOME Shell did not log \"\(line)\" within \(timeout) s; its log:\n\(log)")
            }
            usleep(50_000)
        }
    }

    /// GNOME Shell 43 starts in the overview: Escape, as a user would, until `OverviewActive` is false.
    private func leaveOverview(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try control.call(destination: "org.gnome.Shell", path: "/org/gnome/Shell", interface: .properties,
                                         member: "Get", [.string("org.gnome.Shell"), .string("OverviewActive")], timeout: 10)
            if reply.first?.unwrapped == .boolean(false) { return }
            guard Date() < deadline else { throw HarnessError("GNOME Shell stayed in the overview for \(timeout) s") }
            try pressKey(0xff1b)
            usleep(500_000)
        }
    }

    private func waitForNames(_ names: [BusName], timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while let missing = names.first(where: { control.nameOwner($0) == nil }) {
            guard shell.isRunning else {
                throw HarnessError("gnome-shell exited with status \(shell.wait()); its log:\n\(log)")
            }
            guard Date() < deadline else {
                throw HarnessError("GNOME Shell did not take \(missing) within \(timeout) s; its log:\n\(log)")
            }
            usleep(20_000)
        }
    }

    /// GNOME Shell's notification service (the gjs process): its unique name on the bus, nil while it is not running.
    public var notificationServiceName: String? { control.nameOwner(Self.notificationService) }

    /// The `Notify` calls the shell itself received (from its notification service), in order.
    public var shellReceived: [NotifyCall] {
        guard let service = notificationServiceName else { return [] }
        return recorder.notifies.filter { $0.sender == service }
    }

    /// Waits until the shell received at least `count` notifications, at most `timeout` seconds; returns them.
    @discardableResult
    public func waitUntilShellReceived(count: Int, timeout: Double = 10) -> [NotifyCall] {
        guard let service = notificationServiceName else { return [] }
        _ = recorder.wait(timeout: timeout) { events in events.count { $0.notifyCall?.sender == service } >= count }
        return shellReceived
    }

    // MARK: - The screen

    /// A picture of the whole screen, taken by GNOME Shell. Retried while the shell refuses (its list of
    /// allowed callers is filled asynchronously after `org.gnome.Screenshot` changes owner).
    public func screenshot(timeout: Double = 10) throws -> Screenshot {
        shots += 1
        let file = home.path + "/screen-\(shots).png"
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                let reply = try control.call(destination: "org.gnome.Shell.Screenshot", path: "/org/gnome/Shell/Screenshot",
                                             interface: "org.gnome.Shell.Screenshot", member: "Screenshot",
                                             [.boolean(false), .boolean(false), .string(file)], timeout: timeout)
                if reply.first == .boolean(true) {
                    defer { try? FileManager.default.removeItem(atPath: file) }
                    return try Screenshot(contentsOf: file)
                }
                guard Date() < deadline else { throw HarnessError("GNOME Shell's Screenshot answered \(reply)") }
            } catch let error as BusError {
                guard Date() < deadline, shell.isRunning else {
                    throw HarnessError("GNOME Shell's Screenshot failed: \(error); its log:\n\(log)")
                }
            }
            usleep(100_000)
        }
    }

    /// The area where banners appear: the screen below the top bar.
    public static var desktopArea: ScreenRect {
        ScreenRect(x: 0, y: topBarHeight, width: width, height: height - topBarHeight)
    }

    /// Everything drawn on `shot` below the top bar that is not the plain background; nil when nothing is.
    public static func drawn(on shot: Screenshot) -> ScreenRect? {
        shot.boundingBox(in: desktopArea) { $0 != background }
    }

    /// The banner on `shot`: GNOME's grey below the top bar (its shadow, tinted by the blue background,
    /// is left out); nil when there is none.
    public static func banner(on shot: Screenshot) -> ScreenRect? {
        shot.boundingBox(in: desktopArea) { $0.isGrey() }
    }

    /// Waits until a banner is on the screen and has stopped moving (the same in two pictures in a row), at
    /// most `timeout` seconds; returns the last picture and the banner (nil when none came: the picture
    /// shows what there was instead).
    public func waitForBanner(timeout: Double = 20) throws -> (shot: Screenshot, banner: ScreenRect?) {
        let deadline = Date().addingTimeInterval(timeout)
        var previous: ScreenRect?
        while true {
            let shot = try screenshot()
            let banner = Self.banner(on: shot)
            if let banner, banner == previous { return (shot, banner) }
            guard Date() < deadline else { return (shot, nil) }
            previous = banner
            usleep(100_000)
        }
    }

    /// Waits until nothing but the background is drawn below the top bar, and has stayed so for
    /// `steadyFor` seconds, at most `timeout` seconds, nudging the pointer (GNOME Shell keeps banners
    /// while the user is idle); returns whether it came.
    public func waitUntilNothingIsDrawn(timeout: Double = 20, steadyFor steady: Double = 0) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var clearSince: Date?
        while Date() < deadline {
            if Self.drawn(on: try screenshot()) == nil {
                let since = clearSince ?? Date()
                clearSince = since
                if Date().timeIntervalSince(since) >= steady { return true }
            } else {
                clearSince = nil
            }
            try nudgePointer()
            usleep(250_000)
        }
        return false
    }

    // MARK: - Input (Mutter's RemoteDesktop API, the virtual keyboard and pointer a remote user would have)

    private func startPointerSession() throws {
        let reply = try control.call(destination: Self.remoteDesktop, path: "/org/gnome/Mutter/RemoteDesktop",
                                     interface: "org.gnome.Mutter.RemoteDesktop", member: "CreateSession", [], timeout: 10)
        guard let path = reply.first?.objectPathValue else { throw HarnessError("RemoteDesktop.CreateSession answered \(reply)") }
        pointerSession = path
        try input("Start", [])
    }

    private func input(_ member: MemberName, _ arguments: [DBusValue]) throws {
        guard let pointerSession else { throw HarnessError("no RemoteDesktop session") }
        _ = try control.call(destination: Self.remoteDesktop, path: pointerSession, interface: Self.remoteDesktopSession,
                             member: member, arguments, timeout: 10)
    }

    /// Moves the pointer a little and back: the user is active, so GNOME Shell lets banners expire.
    public func nudgePointer() throws {
        try input("NotifyPointerMotionRelative", [.double(3), .double(0)])
        try input("NotifyPointerMotionRelative", [.double(-3), .double(0)])
    }

    /// Presses and releases the key `keysym` (X11 keysym, 0xff1b is Escape).
    public func pressKey(_ keysym: UInt32) throws {
        try input("NotifyKeyboardKeysym", [.uint32(keysym), .boolean(true)])
        try input("NotifyKeyboardKeysym", [.uint32(keysym), .boolean(false)])
    }

    /// Moves the pointer to (`x`, `y`) and clicks the left button. The pointer goes to the bottom right
    /// corner first (relative motion stops at the edge; the top left corner would open the overview).
    public func click(x: Int, y: Int) throws {
        try input("NotifyPointerMotionRelative", [.double(Double(4 * Self.width)), .double(Double(4 * Self.height))])
        try input("NotifyPointerMotionRelative", [.double(Double(x - (Self.width - 1))), .double(Double(y - (Self.height - 1)))])
        usleep(200_000)  // hover first, as a hand would
        let leftButton: Int32 = 0x110  // BTN_LEFT
        try input("NotifyPointerButton", [.int32(leftButton), .boolean(true)])
        usleep(50_000)
        try input("NotifyPointerButton", [.int32(leftButton), .boolean(false)])
    }

    // MARK: - Stopping

    public func stop() {
        guard !stopped else { return }
        stopped = true
        let service = control.processID(of: Self.notificationService.rawValue).map { pid_t($0) }
        recorder.stop()
        control.close()
        shell.terminate(grace: 5)
        if let service { ActivatedProcess.terminate(service) }
        bus.stop()
        systemBus.stop()
    }

    deinit { stop() }
}

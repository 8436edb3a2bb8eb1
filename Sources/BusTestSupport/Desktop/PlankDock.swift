import DBus
import Foundation
import Glibc

/// The real dock Plank 0.11 (Debian package `plank`) on a private bus and a `VirtualDisplay`, with one
/// app docked: a desktop file of its own (`Exec=true`, a plain blue icon made with ImageMagick) in a
/// scratch `XDG_DATA_HOME`, and its `.dockitem` in a scratch `XDG_CONFIG_HOME` (`plank/dock1/launchers/`;
/// Plank writes its `dock-items` setting itself, through `GSETTINGS_BACKEND=keyfile`).
///
/// Plank owns `com.canonical.Unity` and draws what LauncherEntry tells it on the icon: a progress bar
/// along its bottom, a red count badge at its top right. It tells nobody what it drew, so the test reads
/// the screen: `picture` is `import -window root`, cut to Plank's window (`xwininfo`).
///
/// Stopped when stopped or dropped.
public final class PlankDock: @unchecked Sendable {
    // @unchecked Sendable: the process is only started and stopped from the test's thread; `control`
    // makes blocking calls only.
    public static let unityName: BusName = "com.canonical.Unity"
    /// The docked icon's colour.
    public static let iconColour = RGB(0x34, 0x65, 0xa4)

    public let bus: PrivateBus
    public let display: VirtualDisplay
    /// The docked app's desktop entry id, without `.desktop`.
    public let appID: String
    private let home: TemporaryDirectory
    private let process: ChildProcess
    private let control: Connection
    /// Plank's window on the root window: the dock, with the icon inside.
    public private(set) var frame = ScreenRect(x: 0, y: 0, width: 0, height: 0)
    private var stopped = false

    public var log: String { (try? String(contentsOfFile: home.path + "/plank.log", encoding: .utf8)) ?? "" }

    /// `XDG_DATA_HOME` and `XDG_DATA_DIRS` that hold the docked app's desktop file: give them to the
    /// daemon too, as a desktop session would.
    public let dataEnvironment: [String: String]

    /// Starts Plank with `appID` docked and waits until it owns `com.canonical.Unity` and its dock is drawn.
    public init(bus: PrivateBus, display: VirtualDisplay, appID: String = "org.example.Trainer",
                startTimeout: Double = 15) throws {
        let plank = try requireTool("plank", package: "plank")
        let convert = try requireTool("convert", package: "imagemagick")
        self.bus = bus
        self.display = display
        self.appID = appID
        home = try TemporaryDirectory("trainbell-plank")
        let data = home.path + "/data", config = home.path + "/config", runtime = home.path + "/runtime"
        for path in [data + "/applications", config + "/plank/dock1/launchers", home.path + "/cache", runtime] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        chmod(runtime, 0o700)
        let icon = home.path + "/icon.png"
        let made = try runCommand(convert, ["-size", "128x128", "xc:\(Self.iconColour)", icon])
        guard made.status == 0 else { throw HarnessError("convert could not make the icon: \(made.stderr)") }
        let desktopFile = data + "/applications/\(appID).desktop"
        try """
            [Desktop Entry]
            Type=Application
            Name=Trainer
            Exec=true
            Icon=\(icon)

            """.write(toFile: desktopFile, atomically: true, encoding: .utf8)
        try "[PlankDockItemPreferences]\nLauncher=file://\(desktopFile)\n"
            .write(toFile: config + "/plank/dock1/launchers/\(appID).dockitem", atomically: true, encoding: .utf8)

        dataEnvironment = ["XDG_DATA_HOME": data, "XDG_DATA_DIRS": "/usr/local/share:/usr/share"]
        var environment = ProcessInfo.processInfo.environment
        for name in ["WAYLAND_DISPLAY", "DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE"] { environment[name] = nil }
        environment.merge(dataEnvironment) { $1 }
        environment.merge([
            "DBUS_SESSION_BUS_ADDRESS": bus.address, "DISPLAY": display.display, "GSETTINGS_BACKEND": "keyfile",
            "HOME": home.path, "XDG_CONFIG_HOME": config, "XDG_CACHE_HOME": home.path + "/cache", "XDG_RUNTIME_DIR": runtime,
        ]) { $1 }
        process = try ChildProcess(plank, [], environment: environment, stdout: home.path + "/plank.log",
                                   stderr: home.path + "/plank.log")
        control = try bus.connect()
        do {
            try waitUntilDrawn(timeout: startTimeout)
        } catch {
            stop()
            throw error
        }
    }

    private func waitUntilDrawn(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var previous: Screenshot?
        while true {
            guard process.isRunning else { throw HarnessError("plank exited with status \(process.wait()); its log:\n\(log)") }
            if control.processID(of: Self.unityName.rawValue) == UInt32(process.pid),
               let window = try X11Window.viewable(named: "plank", on: display.display).first(where: { $0.frame.width > 10 }) {
                frame = window.frame
                // Drawn: the icon is there, and two pictures in a row agree (Plank fades its items in).
                let shot = try picture()
                if shot.count(where: { $0 == Self.iconColour }) > 100, let previous, shot.difference(from: previous) == nil { return }
                previous = shot
            }
            guard Date() < deadline else {
                throw HarnessError("Plank did not own \(Self.unityName) and draw its dock within \(timeout) s; its log:\n\(log)")
            }
            usleep(100_000)
        }
    }

    /// What is on the screen where the dock is (its window, cut from `import -window root`).
    public func picture() throws -> Screenshot {
        try Screenshot.ofX11Root(display: display.display, area: frame)
    }

    /// Waits until the dock's picture satisfies `predicate` and has settled (the same twice in a row), at
    /// most `timeout` seconds; returns the last picture, whether or not it satisfied `predicate`.
    public func waitForPicture(timeout: Double = 10, until predicate: (Screenshot) -> Bool) throws -> (shot: Screenshot, matched: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var previous: Screenshot?
        while true {
            let shot = try picture()
            if predicate(shot), let previous, shot.difference(from: previous) == nil { return (shot, true) }
            previous = shot
            guard Date() < deadline else { return (shot, false) }
            usleep(100_000)
        }
    }

    /// The progress bar Plank draws along the bottom of the icon, found as what differs from `plain` (the
    /// dock without progress) in the icon's lower half; with how full it is: in its middle row, the light
    /// fill's share of the bar (fill and dark track), 0…1. Nil when there is no bar.
    public static func progressBar(on shot: Screenshot, comparedWith plain: Screenshot) -> (frame: ScreenRect, fill: Double)? {
        let lowerHalf = ScreenRect(x: 0, y: shot.height / 2, width: shot.width, height: shot.height - shot.height / 2)
        guard let bar = shot.difference(from: plain, in: lowerHalf), bar.width > 3 * bar.height else { return nil }
        var light = 0, dark = 0
        for x in bar.x..<bar.maxX {
            let pixel = shot[x, bar.midY]
            guard pixel.isGrey() else { continue }
            if pixel.luma >= 160 { light += 1 } else if pixel.luma < 110 { dark += 1 }
        }
        guard light + dark > 0 else { return nil }
        return (bar, Double(light) / Double(light + dark))
    }

    /// How many pixels of Plank's red count badge are on `shot`.
    public static func badgePixels(on shot: Screenshot) -> Int {
        shot.count { $0.red > 150 && $0.green < 90 && $0.blue < 90 }
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        control.close()
        process.terminate()
    }

    deinit { stop() }
}

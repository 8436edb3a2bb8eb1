import DBus
import Foundation
import Glibc

/// The real SwayNotificationCenter (Debian `sway-notification-center`, 0.7.3 in Debian 12) in a
/// `SwaySession`, run as the session's user with `$XDG_CONFIG_HOME/swaync/config.json` and
/// `style.css` of the session (the packaged style with colours a screenshot can measure). Stopped when
/// stopped or dropped.
///
/// What swaync 0.7.3 offers, read from the running program: `GetServerInformation` answers
/// "SwayNotificationCenter", "ErikReider", "0.7.3", "1.2"; capabilities `actions`, `body`,
/// `body-markup`, `body-images`, `persistence`, `synchronous`, `private-synchronous`,
/// `x-canonical-private-synchronous`. `org.erikreider.swaync.cc` at `/org/erikreider/swaync/cc` has
/// `GetDnd`, `SetDnd`, `ToggleDnd`, `GetSubscribeData() -> (bbu)`, `NotificationCount`,
/// `CloseNotification`, `CloseAllNotifications`, `HideLatestNotifications`, the visibility and config
/// methods, and the signal `Subscribe(u count, b dnd, b cc_open)` (no `SubscribeV2`, no inhibitors).
/// Its client, `swaync-client`, can print the count (`-c`) and the Do Not Disturb state (`-D`), set it
/// (`-dn`, `-df`, `-d`) and follow `Subscribe` (`-s`); it cannot list the notifications themselves:
/// what they show is seen on the screen.
public final class Swaync: @unchecked Sendable {
    // @unchecked Sendable: the process is only polled and stopped; `control` makes blocking calls only.
    public static let name: BusName = "org.erikreider.swaync.cc"

    /// A configuration of the settings the tests rely on: popups top right, nothing expires.
    public static let configuration = """
        {
          "positionX": "right",
          "positionY": "top",
          "timeout": 0,
          "timeout-low": 0,
          "timeout-critical": 0,
          "notification-window-width": 500,
          "keyboard-shortcuts": false,
          "image-visibility": "when-available",
          "transition-time": 0,
          "hide-on-clear": false,
          "hide-on-action": true,
          "script-fail-notify": false,
          "scripts": {},
          "notification-visibility": {},
          "widgets": ["title", "dnd", "notifications"]
        }
        """

    /// The packaged style, which `style` extends.
    static let packagedStyle = "/etc/xdg/swaync/style.css"
    /// The colours of `style`: the progress bar (the `value` hint) red on blue; the bubble's background
    /// by urgency, as the packaged style offers to enable.
    public static let progressColor = Screenshot.Pixel(0xff0000)
    public static let troughColor = Screenshot.Pixel(0x0000ff)
    public static let normalColor = Screenshot.Pixel(0x00ff00)
    public static let criticalColor = Screenshot.Pixel(0xff00ff)
    static let measurableStyle = """

        /* trainbell's tests: colours a screenshot can measure. */
        progressbar trough { background-color: #0000ff; background-image: none; border: none; border-radius: 0; box-shadow: none; min-height: 10px; }
        progressbar progress { background-color: #ff0000; background-image: none; border: none; border-radius: 0; box-shadow: none; min-height: 10px; }
        .low { background: #ffff00; padding: 6px; }
        .normal { background: #00ff00; padding: 6px; }
        .critical { background: #ff00ff; padding: 6px; }
        """

    /// The share of a progress bar that is filled, in percent, read from the widest row of its colours;
    /// nil when no bar is drawn.
    public static func shownProgress(_ screen: Screenshot) -> Int? {
        let rows = screen.rows(holding: progressColor).map(\.y) + screen.rows(holding: troughColor).map(\.y)
        guard let y = rows.max(by: { screen.count(of: progressColor, inRow: $0) + screen.count(of: troughColor, inRow: $0)
                                     < screen.count(of: progressColor, inRow: $1) + screen.count(of: troughColor, inRow: $1) })
        else { return nil }
        let filled = screen.count(of: progressColor, inRow: y), empty = screen.count(of: troughColor, inRow: y)
        return Int((Double(filled) * 100 / Double(filled + empty)).rounded())
    }

    public let session: SwaySession
    public let logPath: String
    private let process: ChildProcess
    private let control: Connection
    private let client: String
    private let timeout: String

    /// Writes `configuration` to `$XDG_CONFIG_HOME/swaync/config.json`, starts swaync and waits until
    /// it owns both `org.freedesktop.Notifications` and `org.erikreider.swaync.cc`.
    public init(session: SwaySession, configuration: String = Swaync.configuration, startTimeout: Double = 15) throws {
        let swaync = try requireTool("swaync", package: "sway-notification-center")
        client = try requireTool("swaync-client", package: "sway-notification-center")
        timeout = try requireTool("timeout", package: "coreutils")
        self.session = session
        try session.writeConfiguration(configuration + "\n", to: "swaync/config.json")
        guard let packaged = try? String(contentsOfFile: Self.packagedStyle, encoding: .utf8) else {
            throw MissingTool(tool: Self.packagedStyle, package: "sway-notification-center")
        }
        try session.writeConfiguration(packaged + Self.measurableStyle, to: "swaync/style.css")
        logPath = session.home.path + "/swaync.log"
        process = try session.spawn(swaync, [], log: logPath)
        control = try session.bus.connect()
        let deadline = Date().addingTimeInterval(startTimeout)
        while control.processID(of: NotificationsBus.name.rawValue) != UInt32(process.pid)
                || control.processID(of: Self.name.rawValue) != UInt32(process.pid) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                control.close()
                throw HarnessError("swaync did not take its names within \(startTimeout) s; its log:\n\(log)")
            }
            usleep(10_000)
        }
    }

    public var pid: pid_t { process.pid }
    public var isRunning: Bool { process.isRunning }

    /// Whether this swaync, still running, owns `org.freedesktop.Notifications`.
    public var ownsNotificationsName: Bool {
        isRunning && control.processID(of: NotificationsBus.name.rawValue) == UInt32(process.pid)
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `swaync-client ARGUMENT --skip-wait` (it reads its first argument only as the command; without a
    /// swaync it would wait for one, so it runs under `timeout`); what it printed, without the trailing
    /// newline it may or may not print.
    @discardableResult
    public func client(_ argument: String) throws -> String {
        let result = try session.user.run(timeout, ["10", client, argument, "--skip-wait"], environment: session.environment)
        guard result.status == 0 else {
            throw HarnessError("swaync-client \(argument) exited \(result.status): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `swaync-client -c`: the notifications in the control center (shown or hidden by Do Not Disturb).
    public func count() throws -> Int {
        let text = try client("--count")
        guard let count = Int(text) else { throw HarnessError("swaync-client --count printed \"\(text)\"") }
        return count
    }

    /// Waits until `condition` holds for `count()` or `timeout` seconds pass; returns the last count.
    @discardableResult
    public func count(timeout: Double = 10, until condition: (Int) -> Bool) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var n = try count()
        while !condition(n) && Date() < deadline && isRunning {
            usleep(20_000)
            n = try count()
        }
        return n
    }

    /// `swaync-client -D`.
    public func doNotDisturb() throws -> Bool { try client("--get-dnd") == "true" }

    /// `swaync-client -dn` / `-df`, as a user turns Do Not Disturb on and off; throws unless it
    /// prints the new state.
    public func setDoNotDisturb(_ on: Bool) throws {
        let printed = try client(on ? "--dnd-on" : "--dnd-off")
        guard printed == (on ? "true" : "false") else {
            throw HarnessError("swaync-client \(on ? "-dn" : "-df") printed \"\(printed)\"")
        }
    }

    /// Stops swaync (SIGTERM) and closes the control connection. Also done when dropped.
    public func stop() {
        process.terminate()
        control.close()
    }

    deinit { stop() }
}

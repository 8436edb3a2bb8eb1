import DBus
import Foundation
import Glibc

/// The real notification server mako (Debian `mako-notifier`, 1.7.1 in Debian 12) in a `SwaySession`,
/// run as the session's user with the configuration `$XDG_CONFIG_HOME/mako/config` of the session
/// (the file trainbelld reads too). Stopped when stopped or dropped.
///
/// What mako 1.7.1 offers, read from the running program: `GetServerInformation` answers "mako",
/// "emersion", "0.0.0", "1.2"; capabilities `body`, `body-markup`, `actions`, `icon-static`,
/// `x-canonical-private-synchronous`, `x-dunst-stack-tag`. Its own `fr.emersion.Mako` at
/// `/fr/emersion/Mako` has `DismissAllNotifications`, `DismissGroupNotifications`,
/// `DismissLastNotification`, `DismissNotification(ub)`, `InvokeAction(us)`, `ListModes() -> as`,
/// `ListNotifications() -> aa{sv}`, `Reload`, `RestoreNotification`, `SetMode(s)`, `SetModes(as)`:
/// no properties, no signals, no `ListHistory` (no `makoctl history`). `ListNotifications` gives, per
/// notification, only `app-name`, `app-icon`, `category`, `summary`, `body`, `id` and `actions`
/// (a{ss}): no hints, no urgency. What the `value` hint did is seen on the screen (`progressColor`).
public final class Mako: @unchecked Sendable {
    // @unchecked Sendable: the process is only polled and stopped; `control` makes blocking calls only.
    public static let path: ObjectPath = "/fr/emersion/Mako"
    public static let interface: InterfaceName = "fr.emersion.Mako"

    /// The colours and geometry of `drawing`: a bubble is `width` wide, black, its progress bar red.
    public static let width = 400
    public static let progressColor = Screenshot.Pixel(0xff0000)
    public static let backgroundColor = Screenshot.Pixel(0x000000)
    /// The least height of a bubble of `drawing`: its padding and one line of text.
    public static let minimumHeight = 2 * 10 + 10

    /// A configuration whose drawing a screenshot can measure: bubbles `width` wide, no border, a black
    /// background, the progress bar (the `value` hint) drawn over it in pure red; nothing expires.
    public static let drawing = """
        font=Monospace 10
        width=\(width)
        height=200
        margin=10
        padding=10
        border-size=0
        border-radius=0
        background-color=#000000ff
        text-color=#ffffffff
        progress-color=source #ff0000ff
        default-timeout=0
        ignore-timeout=1
        max-visible=20
        anchor=top-right
        """

    /// The usual Do Not Disturb section (mako's man page): the mode hides every notification.
    public static let hidingDoNotDisturbMode = """
        [mode=do-not-disturb]
        invisible=1
        """

    /// One notification as `makoctl list` shows it.
    public struct Notification: Equatable, Sendable, CustomStringConvertible {
        public var id: UInt32
        public var appName: String
        public var summary: String
        public var body: String
        public var category: String
        /// Action key → label.
        public var actions: [String: String]

        public var description: String { "#\(id) \"\(summary)\" \"\(body)\"" }
    }

    public let session: SwaySession
    public let logPath: String
    private let process: ChildProcess
    private let control: Connection

    /// Writes `configuration` to `$XDG_CONFIG_HOME/mako/config`, starts mako and waits until it owns
    /// `org.freedesktop.Notifications`.
    public init(session: SwaySession, configuration: String = Mako.drawing, startTimeout: Double = 10) throws {
        let mako = try requireTool("mako", package: "mako-notifier")
        _ = try requireTool("makoctl", package: "mako-notifier")
        _ = try requireTool("busctl", package: "systemd")   // what makoctl 1.7 calls
        self.session = session
        try session.writeConfiguration(configuration + "\n", to: "mako/config")
        logPath = session.home.path + "/mako.log"
        process = try session.spawn(mako, [], log: logPath)
        control = try session.bus.connect()
        let deadline = Date().addingTimeInterval(startTimeout)
        while control.processID(of: NotificationsBus.name.rawValue) != UInt32(process.pid) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                control.close()
                throw HarnessError("mako did not take \(NotificationsBus.name) within \(startTimeout) s; its log:\n\(log)")
            }
            usleep(10_000)
        }
    }

    public var pid: pid_t { process.pid }

    /// Whether mako still runs (it has not crashed).
    public var isRunning: Bool { process.isRunning }

    /// How mako ended, such as "exit status 139 (signal 11)"; nil while it runs.
    public var exit: String? {
        guard !isRunning else { return nil }
        let code = process.wait()
        return code > 128 ? "exit status \(code) (signal \(code - 128))" : "exit status \(code)"
    }

    /// Whether this mako, still running, owns `org.freedesktop.Notifications`.
    public var ownsNotificationsName: Bool {
        isRunning && control.processID(of: NotificationsBus.name.rawValue) == UInt32(process.pid)
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `makoctl list`: the notifications mako has now (shown, or hidden by a mode), newest first.
    public func list() throws -> [Notification] {
        let result = try session.run("makoctl", package: "mako-notifier", ["list"])
        guard result.status == 0 else { throw HarnessError("makoctl list exited \(result.status): \(result.stderr)") }
        return try Self.notifications(fromMakoctlList: result.stdout)
    }

    /// Waits until `condition` holds for `makoctl list` or `timeout` seconds pass; returns the last list.
    /// Stops waiting when mako has died (then the list is empty: there is no mako to ask).
    @discardableResult
    public func list(timeout: Double = 10, until condition: ([Notification]) -> Bool) throws -> [Notification] {
        let deadline = Date().addingTimeInterval(timeout)
        var notifications: [Notification] = []
        while true {
            do {
                notifications = try list()
            } catch where !isRunning {
                return []
            }
            if condition(notifications) || Date() >= deadline || !isRunning { return notifications }
            usleep(20_000)
        }
    }

    /// Parses what makoctl 1.7 prints: busctl's JSON, `{"type": "aa{sv}", "data": [[{name: {"type", "data"}}]]}`.
    static func notifications(fromMakoctlList json: String) throws -> [Notification] {
        guard let top = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let data = top["data"] as? [Any], let items = data.first as? [[String: Any]] else {
            throw HarnessError("makoctl list printed something else than busctl's JSON of aa{sv}: \(json)")
        }
        func value<T>(_ item: [String: Any], _ key: String, as _: T.Type) -> T? { (item[key] as? [String: Any])?["data"] as? T }
        return items.map { item in
            Notification(id: (value(item, "id", as: NSNumber.self)?.uint32Value) ?? 0,
                         appName: value(item, "app-name", as: String.self) ?? "",
                         summary: value(item, "summary", as: String.self) ?? "",
                         body: value(item, "body", as: String.self) ?? "",
                         category: value(item, "category", as: String.self) ?? "",
                         actions: value(item, "actions", as: [String: String].self) ?? [:])
        }
    }

    /// `makoctl set-mode MODE`: the modes become just `mode`.
    public func setMode(_ mode: String) throws {
        let result = try session.run("makoctl", package: "mako-notifier", ["set-mode", mode])
        guard result.status == 0 else { throw HarnessError("makoctl set-mode \(mode) exited \(result.status): \(result.stderr)") }
    }

    /// The current modes (`ListModes`).
    public func modes() throws -> [String] {
        let reply = try control.call(destination: NotificationsBus.name, path: Self.path, interface: Self.interface,
                                     member: "ListModes", timeout: 10)
        return (reply.first?.arrayItems ?? []).compactMap(\.stringValue)
    }

    /// Stops mako (SIGTERM) and closes the control connection. Also done when dropped.
    public func stop() {
        process.terminate()
        control.close()
    }

    deinit { stop() }
}

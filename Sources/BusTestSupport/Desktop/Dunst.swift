import DBus
import Foundation
import Glibc

/// The real notification server `dunst`, on a private bus and a virtual display, with a configuration of its
/// own (never the user's: `XDG_CONFIG_HOME` points to a scratch directory). Stopped when stopped or dropped.
///
/// Besides the freedesktop interface, dunst answers its own `org.dunstproject.cmd0` at
/// `/org/freedesktop/Notifications`; in dunst 1.9 that is: methods `NotificationAction(u position)`,
/// `NotificationCloseLast`, `NotificationCloseAll`, `NotificationListHistory() -> aa{sv}`,
/// `NotificationPopHistory(u id)`, `NotificationShow`, `ContextMenuCall`, `RuleEnable(s name, i state)`,
/// `Ping`; properties `paused` (b, read-write, emits `PropertiesChanged`), `displayedLength`,
/// `historyLength`, `waitingLength` (u). There is no `pauseLevel` before dunst 1.10.
public final class Dunst: @unchecked Sendable {
    // @unchecked Sendable: `control` makes blocking calls only (libdbus locks the connection itself);
    // the process is only stopped.
    public static let interface: InterfaceName = "org.dunstproject.cmd0"

    /// The configuration dunst was started with.
    public let configurationPath: String
    /// dunst's standard error.
    public let logPath: String
    /// dunst's unique name on the bus.
    public let uniqueName: String
    private let directory: TemporaryDirectory
    private let process: ChildProcess
    private let control: Connection

    /// Starts dunst on `bus`, showing on `display`, and waits until it owns `org.freedesktop.Notifications`.
    ///
    /// The configuration is `Dunst.baseConfiguration` followed by `extraConfiguration` (rules, such as
    /// `Dunst.actionRule`). Notifications never expire on their own unless the client asks
    /// (`expire_timeout` > 0); they stay displayed until closed.
    public init(bus: PrivateBus, display: VirtualDisplay, extraConfiguration: String = "",
                startTimeout: Double = 10) throws {
        let dunst = try requireTool("dunst", package: "dunst")
        directory = try TemporaryDirectory("trainbell-dunst")
        let configHome = directory.path + "/config"
        try FileManager.default.createDirectory(atPath: configHome, withIntermediateDirectories: true)
        configurationPath = directory.path + "/dunstrc"
        logPath = directory.path + "/dunst.log"
        try (Self.baseConfiguration + "\n" + extraConfiguration + "\n")
            .write(toFile: configurationPath, atomically: true, encoding: .utf8)

        var environment = ProcessInfo.processInfo.environment
        for name in ["WAYLAND_DISPLAY", "DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE"] { environment[name] = nil }
        environment["DISPLAY"] = display.display
        environment["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        environment["XDG_CONFIG_HOME"] = configHome
        environment["XDG_CONFIG_DIRS"] = configHome
        process = try ChildProcess(dunst, ["-config", configurationPath], environment: environment,
                                   stdout: logPath, stderr: logPath)
        control = try bus.connect()

        // dunst owns the name once its D-Bus side is up; make sure the owner is this dunst, not another server.
        let deadline = Date().addingTimeInterval(startTimeout)
        while control.processID(of: NotificationsBus.name.rawValue) != UInt32(process.pid) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw HarnessError("dunst did not take \(NotificationsBus.name) within \(startTimeout) s; its log:\n\(log)")
            }
            usleep(5_000)
        }
        uniqueName = control.nameOwner(NotificationsBus.name) ?? ""
    }

    /// The configuration every harness dunst starts from: no scripts, no sound, no dmenu or browser, history
    /// without limit, notifications that stay until closed, `format = "%s %b"`, the default mouse actions.
    public static let baseConfiguration = """
        [global]
            monitor = 0
            follow = none
            font = Monospace 8
            format = "%s %b"
            markup = full
            show_indicators = yes
            history_length = 0
            sticky_history = yes
            idle_threshold = 0
            ignore_dbusclose = false
            dmenu = /bin/false
            browser = /bin/false
            mouse_left_click = close_current
            mouse_middle_click = do_action, close_current
            mouse_right_click = close_all

        [urgency_low]
            timeout = 0

        [urgency_normal]
            timeout = 0

        [urgency_critical]
            timeout = 0
        """

    /// A rule section that makes dunst's "do action" (what `invokeAction` triggers) send `actionKey` for
    /// notifications from `appName` (a glob): the only way to click a named action over D-Bus, since dunst
    /// otherwise invokes only `default` or a sole action and opens its dmenu context menu for the rest.
    /// Rules apply when a notification arrives; `setRule` switches one on or off for the next ones.
    public static func actionRule(name: String, actionKey: String, appName: String = "*", enabled: Bool = true) -> String {
        """
        [\(name)]
            appname = "\(appName)"
            action_name = "\(actionKey)"
            enabled = \(enabled)
        """
    }

    /// dunst's `paused` property (its Do Not Disturb: notifications wait until it is unpaused).
    public var paused: Bool {
        get throws(BusError) {
            let value = try property("paused")
            guard let paused = value.boolValue else { throw unexpected("paused", value) }
            return paused
        }
    }

    public func setPaused(_ paused: Bool) throws(BusError) {
        _ = try control.call(destination: NotificationsBus.name, path: NotificationsBus.path, interface: .properties,
                             member: "Set", [.string(Self.interface.rawValue), .string("paused"), .variant(.boolean(paused))])
    }

    /// How many notifications dunst displays, holds back (paused, or beyond its limit) and keeps in history.
    public struct Counts: Sendable, Equatable {
        public var displayed: UInt32
        public var waiting: UInt32
        public var history: UInt32

        public init(displayed: UInt32, waiting: UInt32, history: UInt32) {
            self.displayed = displayed
            self.waiting = waiting
            self.history = history
        }
    }

    public func counts() throws(BusError) -> Counts {
        func count(_ name: String) throws(BusError) -> UInt32 {
            let value = try property(name)
            guard case .uint32(let n) = value.unwrapped else { throw unexpected(name, value) }
            return n
        }
        return Counts(displayed: try count("displayedLength"), waiting: try count("waitingLength"),
                      history: try count("historyLength"))
    }

    /// Waits until `predicate` holds for the counts or `timeout` seconds pass; returns the last counts read.
    @discardableResult
    public func waitForCounts(timeout: Double = 10, until predicate: (Counts) -> Bool) throws(BusError) -> Counts {
        let deadline = Date().addingTimeInterval(timeout)
        var counts = try self.counts()
        while !predicate(counts) && Date() < deadline {
            usleep(10_000)
            counts = try self.counts()
        }
        return counts
    }

    /// "Do action" on the notification displayed at `position`, as a middle click or `dunstctl action` does
    /// (`NotificationAction`): dunst emits `ActionInvoked` for the `default` action, or for the only action,
    /// or for the key an `actionRule` chose; with several actions and none of those it opens its dmenu
    /// context menu instead (here `/bin/false`), which emits nothing. Positions follow dunst's display
    /// order: most urgent first, then oldest first. dunst 1.9 refuses a position above its count of
    /// *waiting* notifications (it compares with the wrong queue), so in practice use position 0.
    /// Waits at most `timeout` seconds for the notification to be displayed first: dunst displays a
    /// notification just after answering `Notify`.
    public func invokeAction(position: UInt32 = 0, timeout: Double = 10) throws(BusError) {
        let counts = try waitForCounts(timeout: timeout) { $0.displayed > position }
        guard counts.displayed > position else {
            throw BusError(.failed, "dunst displays \(counts.displayed) notification(s) (\(counts.waiting) waiting, paused: \((try? paused) ?? false)); none at position \(position)")
        }
        _ = try call("NotificationAction", [.uint32(position)])
    }

    /// Enables or disables a rule of the configuration by its section name (`RuleEnable`).
    public func setRule(_ name: String, enabled: Bool) throws(BusError) {
        _ = try call("RuleEnable", [.string(name), .int32(enabled ? 1 : 0)])
    }

    /// Closes every displayed notification into the history (`NotificationCloseAll`, reason "dismissed").
    public func closeAll() throws(BusError) { _ = try call("NotificationCloseAll") }

    /// Closes the newest displayed notification (`NotificationCloseLast`, reason "dismissed").
    public func closeLast() throws(BusError) { _ = try call("NotificationCloseLast") }

    /// The notifications dunst keeps in its history, newest first (`NotificationListHistory`). Displayed and
    /// waiting ones are not in it until closed: `closeAll()` first to list everything shown.
    public func history() throws(BusError) -> [DunstHistoryEntry] {
        let values = try call("NotificationListHistory")
        guard let items = values.first?.arrayItems else {
            throw BusError(.invalidArgs, "NotificationListHistory answered \(values), expected aa{sv}")
        }
        return try items.map { item throws(BusError) in
            guard let entries = item.stringKeyedEntries, let entry = DunstHistoryEntry(entries) else {
                throw BusError(.invalidArgs, "unexpected history entry \(item)")
            }
            return entry
        }
    }

    /// `GetCapabilities` of the freedesktop interface.
    public func capabilities() throws(BusError) -> [String] {
        let values = try control.call(destination: NotificationsBus.name, path: NotificationsBus.path,
                                      interface: NotificationsBus.interface, member: "GetCapabilities")
        return (values.first?.arrayItems ?? []).compactMap(\.stringValue)
    }

    /// dunst's process id.
    public var pid: pid_t { process.pid }

    /// What dunst logged so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Stops dunst (SIGTERM) and closes the control connection. Also done when dropped.
    public func stop() {
        process.terminate()
        control.close()
    }

    /// SIGKILL: dunst dies as in a crash, its bubbles with it; the bus gives its name up.
    public func kill() {
        process.signal(SIGKILL)
        process.wait()
    }

    deinit { stop() }

    private func call(_ member: MemberName, _ arguments: [DBusValue] = []) throws(BusError) -> [DBusValue] {
        try control.call(destination: NotificationsBus.name, path: NotificationsBus.path, interface: Self.interface,
                         member: member, arguments, timeout: 10)
    }

    private func property(_ name: String) throws(BusError) -> DBusValue {
        let values = try control.call(destination: NotificationsBus.name, path: NotificationsBus.path, interface: .properties,
                                      member: "Get", [.string(Self.interface.rawValue), .string(name)], timeout: 10)
        guard let value = values.first else { throw BusError(.invalidArgs, "no value for property \(name)") }
        return value.unwrapped
    }

    private func unexpected(_ name: String, _ value: DBusValue) -> BusError {
        BusError(.invalidArgs, "dunst's property \(name) has the unexpected value \(value)")
    }
}

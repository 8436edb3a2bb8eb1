import DBus
import Logging

/// Do Not Disturb of dunst: its property `paused` (b) of `org.dunstproject.cmd0` at
/// `/org/freedesktop/Notifications`, and from dunst 1.10 `pauseLevel` (u): 0 lets everything
/// through, 1…100 holds every notification whose rule sets no `override_pause_level` at least as
/// high (dunst `src/queues.c`), and `paused` is then `pauseLevel != 0`. Watched through
/// `PropertiesChanged`.
///
/// dunst 1.9 to 1.13.0 emit `PropertiesChanged` only when a D-Bus client sets the property
/// (`dunstctl set-paused`), not when SIGUSR1/SIGUSR2 pause and resume it (1.13.1 does for those
/// too). So `refresh` reads again, blocking at most `refreshTimeout` seconds.
///
/// A paused dunst holds even critical notifications until it is resumed:
/// `holdsUrgentNotifications` is true.
public final class DunstDoNotDisturb: DoNotDisturbSource {
    /// The `GetServerInformation` name of dunst: "dunst" (dunst `src/dbus.c`,
    /// `dbus_cb_GetServerInformation`).
    public static let serverNames: Set<String> = ["dunst"]

    static let service: BusName = "org.freedesktop.Notifications"
    static let path: ObjectPath = "/org/freedesktop/Notifications"
    static let interface: InterfaceName = "org.dunstproject.cmd0"

    /// dunst's pause state: `paused`, and `pauseLevel` where dunst has it (1.10 and later).
    struct State: Equatable {
        var paused: Bool
        var pauseLevel: UInt32?

        init(paused: Bool, pauseLevel: UInt32?) {
            self.paused = paused
            self.pauseLevel = pauseLevel
        }

        /// From dunst's properties (as `GetAll` or `PropertiesChanged` carry them); nil when neither
        /// is there. The level decides when present.
        init?(_ properties: [String: DBusValue]) {
            if let level = properties["pauseLevel"]?.integerValue.flatMap({ UInt32(exactly: $0) }) {
                self.init(paused: level > 0, pauseLevel: level)
            } else if let paused = properties["paused"]?.boolValue {
                self.init(paused: paused, pauseLevel: nil)
            } else {
                return nil
            }
        }

        /// From the reply to `GetAll(org.dunstproject.cmd0)`.
        static func fromGetAll(_ values: [DBusValue]) -> Result<State, BusError> {
            guard let properties = values.first?.stringKeyedEntries, let state = State(properties) else {
                return .failure(BusError(.invalidArgs, "the properties of \(interface) have no boolean 'paused': \(values)"))
            }
            return .success(state)
        }
    }

    public let name = "dunst"
    public let holdsUrgentNotifications: Bool? = true
    /// dunst 1.9 to 1.13.0 do not signal a pause or resume by SIGUSR1/SIGUSR2.
    public let signalsEveryChange = false
    public var isActive: Bool? { watch.state?.paused }
    /// dunst's pause level as last read; nil before dunst 1.10 and while unknown.
    public var pauseLevel: UInt32? { watch.state?.pauseLevel }
    /// The longest `refresh` blocks the loop.
    public let refreshTimeout: Double
    private let watch: DoNotDisturbServiceWatch<State>

    /// A source on `connection`, which must be attached to the daemon's loop.
    public init(connection: Connection, log: Logger, refreshTimeout: Double = 0.5) {
        self.refreshTimeout = refreshTimeout
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = PropertiesChange.rule(sender: Self.service, path: Self.path, interface: Self.interface)
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [rule: { [weak self] message in
            self?.changed(message)
        }], onChange: onChange)
    }

    /// Reads `paused` and `pauseLevel` again, blocking at most `refreshTimeout` seconds; does
    /// nothing while dunst is not on the bus.
    public func refresh() {
        guard watch.isStarted, watch.owner != nil else { return }
        let result = watch.callBlocking(path: Self.path, interface: .properties, member: "GetAll",
                                        [.string(Self.interface.rawValue)], timeout: refreshTimeout)
        switch result.flatMap(State.fromGetAll) {
        case .success(let state): watch.update(state)
        case .failure(let error): watch.fail("\(error)")
        }
    }

    public func stop() { watch.stop() }

    private func read(_ done: @escaping (Result<State, BusError>) -> Void) {
        watch.call(path: Self.path, interface: .properties, member: "GetAll", [.string(Self.interface.rawValue)]) {
            done($0.flatMap(State.fromGetAll))
        }
    }

    private func changed(_ message: Message) {
        guard let change = PropertiesChange(message), change.mentions("paused") || change.mentions("pauseLevel") else {
            return
        }
        // dunst sends the values (1.9: `paused` alone, 1.10: both); only an invalidation needs a read.
        if let state = State(change.changed) {
            watch.update(state)
        } else {
            watch.readNow()
        }
    }
}

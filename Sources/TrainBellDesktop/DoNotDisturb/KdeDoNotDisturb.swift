import DBus
import Logging

/// Do Not Disturb of KDE Plasma ≥ 5.16: the `Inhibited` property (b) of its notification server,
/// `org.freedesktop.Notifications` at `/org/freedesktop/Notifications`, which then announces the
/// capability `inhibitions`; watched through `PropertiesChanged`, which Plasma emits on each change.
///
/// Plasma shows critical notifications during Do Not Disturb by default (`CriticalInDndMode`), so
/// errors get through: `holdsUrgentNotifications` is false.
public final class KdeDoNotDisturb: DoNotDisturbSource {
    /// The `GetServerInformation` name of the server this source reads: "Plasma"
    /// (plasma-workspace, `libnotificationmanager/server_p.cpp`).
    public static let serverNames: Set<String> = ["Plasma"]
    /// The capability of a Plasma server that has the `Inhibited` property.
    public static let capability = "inhibitions"

    static let service: BusName = "org.freedesktop.Notifications"
    static let path: ObjectPath = "/org/freedesktop/Notifications"
    static let interface: InterfaceName = "org.freedesktop.Notifications"
    static let property = "Inhibited"

    public let name = "kde"
    public let holdsUrgentNotifications: Bool? = false
    public var isActive: Bool? { watch.state }
    private let watch: DoNotDisturbServiceWatch<Bool>

    /// A source on `connection`, which must be attached to the daemon's loop.
    public init(connection: Connection, log: Logger) {
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = PropertiesChange.rule(sender: Self.service, path: Self.path, interface: Self.interface)
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [rule: { [weak self] message in
            self?.changed(message)
        }], onChange: onChange)
    }

    public func stop() { watch.stop() }

    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        watch.call(path: Self.path, interface: .properties, member: "Get",
                   [.string(Self.interface.rawValue), .string(Self.property)]) { result in
            done(result.flatMap { values in
                guard let inhibited = values.first?.boolValue else {
                    return .failure(BusError(.invalidArgs, "\(Self.property) of \(Self.interface) is \(values), expected a boolean"))
                }
                return .success(inhibited)
            })
        }
    }

    private func changed(_ message: Message) {
        guard let change = PropertiesChange(message), change.mentions(Self.property) else { return }
        if let inhibited = change.changed[Self.property]?.boolValue {
            watch.update(inhibited)
        } else {
            watch.readNow()
        }
    }
}

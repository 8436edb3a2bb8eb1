import DBus
import Logging

/// Do Not Disturb of SwayNotificationCenter: `GetDnd() -> b` of `org.erikreider.swaync.cc` at
/// `/org/erikreider/swaync/cc` (its own bus name), watched through the signal that swaync emits
/// when the state, the notification count, the control center or the inhibitors change:
/// `SubscribeV2(u count, b dnd, b cc_open, b inhibited)` from swaync 0.8, before that
/// `Subscribe(u count, b dnd, b cc_open)` (0.5 to 0.7) or `Subscribe(u count, b dnd)` (0.3, 0.4).
/// `dnd` is the second argument of each.
///
/// swaync shows critical notifications during Do Not Disturb (`notiDaemon.vala`: `bypass_dnd`):
/// `holdsUrgentNotifications` is false. Its inhibitors (`AddInhibitor`) hide non-critical
/// notifications too, but they are not Do Not Disturb and are not read here.
public final class SwayncDoNotDisturb: DoNotDisturbSource {
    /// The `GetServerInformation` name of swaync: "SwayNotificationCenter" (SwayNotificationCenter
    /// `src/notiDaemon/notiDaemon.vala`, `get_server_information`).
    public static let serverNames: Set<String> = ["SwayNotificationCenter"]

    static let service: BusName = "org.erikreider.swaync.cc"
    static let path: ObjectPath = "/org/erikreider/swaync/cc"
    static let interface: InterfaceName = "org.erikreider.swaync.cc"
    static let signalNames: Set<MemberName> = ["SubscribeV2", "Subscribe"]

    public let name = "swaync"
    public let holdsUrgentNotifications: Bool? = false
    public var isActive: Bool? { watch.state }
    private let watch: DoNotDisturbServiceWatch<Bool>

    /// A source on `connection`, which must be attached to the daemon's loop.
    public init(connection: Connection, log: Logger) {
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = MatchRule(sender: Self.service.rawValue, path: Self.path, interface: Self.interface)
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [rule: { [weak self] message in
            self?.changed(message)
        }], onChange: onChange)
    }

    public func stop() { watch.stop() }

    /// The `dnd` argument of a `Subscribe` or `SubscribeV2` signal.
    static func doNotDisturb(in message: Message) -> Bool? {
        guard let member = message.member, signalNames.contains(member),
              let values = try? message.arguments(), values.count >= 2, case .uint32 = values[0]
        else { return nil }
        return values[1].boolValue
    }

    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        watch.call(path: Self.path, interface: Self.interface, member: "GetDnd") { result in
            done(result.flatMap { values in
                guard let dnd = values.first?.boolValue else {
                    return .failure(BusError(.invalidArgs, "GetDnd answered \(values), expected a boolean"))
                }
                return .success(dnd)
            })
        }
    }

    private func changed(_ message: Message) {
        guard let dnd = Self.doNotDisturb(in: message) else { return }
        watch.update(dnd)
    }
}

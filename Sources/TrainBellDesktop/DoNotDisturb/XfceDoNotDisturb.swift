import DBus
import Logging

/// Do Not Disturb of xfce4-notifyd: the property `/do-not-disturb` of the xfconf channel
/// `xfce4-notifyd`, read from the settings store xfconfd (`org.xfce.Xfconf` at `/org/xfce/Xfconf`,
/// `GetProperty(s channel, s property) -> v`) and watched through its signals
/// `PropertyChanged(s channel, s property, v value)` and `PropertyRemoved(s channel, s property)`.
/// A property (or channel) that does not exist is off, as xfce4-notifyd reads it.
///
/// xfconfd is started by D-Bus activation when it is not running, as every xfconf client does.
/// When it leaves the bus the state last read stays: a change needs it back, and then it is read.
///
/// xfce4-notifyd shows critical notifications during Do Not Disturb: `holdsUrgentNotifications`
/// is false. (With `/gauge-ignores-dnd` it also shows notifications that carry a `value` hint.)
public final class XfceDoNotDisturb: DoNotDisturbSource {
    /// The `GetServerInformation` name of xfce4-notifyd: "Xfce Notify Daemon" (xfce4-notifyd
    /// `xfce4-notifyd/xfce-notify-daemon.c`, `notify_get_server_information`).
    public static let serverNames: Set<String> = ["Xfce Notify Daemon"]

    static let service: BusName = "org.xfce.Xfconf"
    static let path: ObjectPath = "/org/xfce/Xfconf"
    static let interface: InterfaceName = "org.xfce.Xfconf"
    static let channel = "xfce4-notifyd"
    static let property = "/do-not-disturb"
    /// What xfconfd answers for a property that is not set (xfconf `common/xfconf-errors.c`).
    static let notFound: Set<ErrorName> = ["org.xfce.Xfconf.Error.PropertyNotFound", "org.xfce.Xfconf.Error.ChannelNotFound"]

    public let name = "xfce"
    public let holdsUrgentNotifications: Bool? = false
    public var isActive: Bool? { watch.state }
    private let watch: DoNotDisturbServiceWatch<Bool>

    /// A source on `connection`, which must be attached to the daemon's loop.
    public init(connection: Connection, log: Logger) {
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log,
                                         activates: true)
    }

    public func start(onChange: @escaping () -> Void) {
        var signals: [MatchRule: (Message) -> Void] = [:]
        for member: MemberName in ["PropertyChanged", "PropertyRemoved"] {
            let rule = MatchRule(sender: Self.service.rawValue, path: Self.path, interface: Self.interface,
                                 member: member, arg0: Self.channel)
            signals[rule] = { [weak self] message in self?.changed(message) }
        }
        watch.start(read: { [weak self] done in self?.read(done) }, signals: signals, onChange: onChange)
    }

    public func stop() { watch.stop() }

    /// The value as xfce4-notifyd would take it: a boolean, leniently a number or "true"/"false"
    /// (`xfconf-query -t string` or `-t int` make those).
    static func doNotDisturb(_ value: DBusValue) -> Bool? {
        if let flag = value.boolValue { return flag }
        if let number = value.integerValue { return number != 0 }
        switch value.stringValue?.lowercased() {
        case "true"?: return true
        case "false"?: return false
        default: return nil
        }
    }

    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        watch.call(path: Self.path, interface: Self.interface, member: "GetProperty",
                   [.string(Self.channel), .string(Self.property)]) { result in
            switch result {
            case .success(let values):
                guard let value = values.first, let active = Self.doNotDisturb(value) else {
                    done(.failure(BusError(.invalidArgs, "\(Self.channel) \(Self.property) is \(values), expected a boolean")))
                    return
                }
                done(.success(active))
            case .failure(let error) where Self.notFound.contains(error.name):
                done(.success(false))
            case .failure(let error):
                done(.failure(error))
            }
        }
    }

    private func changed(_ message: Message) {
        guard let values = try? message.arguments(), values.count >= 2,
              values[0].stringValue == Self.channel, values[1].stringValue == Self.property
        else { return }
        switch message.member?.rawValue {
        case "PropertyRemoved":
            watch.update(false)
        case "PropertyChanged":
            if values.count == 3, let active = Self.doNotDisturb(values[2]) {
                watch.update(active)
            } else {
                watch.readNow()
            }
        default:
            break
        }
    }
}

import DBus
import Logging

/// Do Not Disturb of mako: the mode `do-not-disturb` among its current modes, read from its own
/// interface `fr.emersion.Mako` at `/fr/emersion/Mako` (on mako's bus name,
/// `org.freedesktop.Notifications`): the property `Modes` (as) from mako 1.10, which mako announces
/// with `PropertiesChanged` (as an invalidation), else `ListModes() -> as` (mako 1.7 to 1.9, which
/// signal nothing: `refresh` then reads again, blocking at most `refreshTimeout` seconds).
///
/// The mode does what the user's configuration says (`MakoModeConfiguration`, read when the mode
/// comes on): the usual `[mode=do-not-disturb] invisible=1` hides every notification, critical ones
/// too, and `holdsUrgentNotifications` is true; without such a section mako shows them, but a mako
/// started with `--config` may read another file, so it is nil (`sent-during-dnd`), not false.
public final class MakoDoNotDisturb: DoNotDisturbSource {
    /// The `GetServerInformation` name of mako: "mako" (mako `dbus/xdg.c`,
    /// `handle_get_server_information`).
    public static let serverNames: Set<String> = ["mako"]
    /// The mode that means Do Not Disturb (mako's documentation and `makoctl mode -a do-not-disturb`).
    public static let mode = "do-not-disturb"

    static let service: BusName = "org.freedesktop.Notifications"
    static let path: ObjectPath = "/fr/emersion/Mako"
    static let interface: InterfaceName = "fr.emersion.Mako"
    static let property = "Modes"

    public let name = "mako"
    public private(set) var holdsUrgentNotifications: Bool?
    public var isActive: Bool? { watch.state }
    /// mako 1.10 and later announce `Modes`; before, the modes must be read again to be known.
    public var signalsEveryChange: Bool { signalsModes == true }
    /// Whether this mako has the `Modes` property and so signals changes; nil until known.
    public private(set) var signalsModes: Bool?
    /// The longest `refresh` blocks the loop.
    public let refreshTimeout: Double
    private let watch: DoNotDisturbServiceWatch<Bool>

    /// A source on `connection`, which must be attached to the daemon's loop.
    /// `HOME` and `XDG_CONFIG_HOME`, to find mako's configuration.
    private let environment: [String: String]

    public init(connection: Connection, log: Logger, refreshTimeout: Double = 0.5,
                environment: [String: String] = ProcessEnvironment.current.variables) {
        self.refreshTimeout = refreshTimeout
        self.environment = environment
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = PropertiesChange.rule(sender: Self.service, path: Self.path, interface: Self.interface)
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [rule: { [weak self] message in
            self?.changed(message)
        }], onChange: { [weak self] in
            // What the mode hides is read when it comes on: the user may have edited the file since.
            if let self, self.watch.state == true {
                self.holdsUrgentNotifications = MakoModeConfiguration.hidesCriticalNotificationsInDoNotDisturb(
                    environment: self.environment) ? true : nil
            }
            onChange()
        })
    }

    /// Reads the modes again where mako does not signal them (before 1.10), blocking at most
    /// `refreshTimeout` seconds; nothing while mako is not on the bus.
    public func refresh() {
        guard watch.isStarted, watch.owner != nil, signalsModes != true else { return }
        let result = watch.callBlocking(path: Self.path, interface: Self.interface, member: "ListModes",
                                        timeout: refreshTimeout)
        switch result.flatMap(Self.doNotDisturb(in:)) {
        case .success(let active): watch.update(active)
        case .failure(let error): watch.fail("\(error)")
        }
    }

    public func stop() {
        watch.stop()
        signalsModes = nil
    }

    /// Whether the reply (`as`, or the variant of the property) lists `do-not-disturb`.
    static func doNotDisturb(in values: [DBusValue]) -> Result<Bool, BusError> {
        guard let items = values.first?.arrayItems else {
            return .failure(BusError(.invalidArgs, "the modes of mako are \(values), expected an array of strings"))
        }
        return .success(items.contains { $0.stringValue == mode })
    }

    /// `Modes` where mako has it, else `ListModes`.
    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        watch.call(path: Self.path, interface: .properties, member: "Get",
                   [.string(Self.interface.rawValue), .string(Self.property)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let values):
                self.signalsModes = true
                done(Self.doNotDisturb(in: values))
            case .failure(let error) where [.unknownProperty, .unknownInterface, .unknownMethod, .invalidArgs].contains(error.name):
                self.signalsModes = false
                self.watch.call(path: Self.path, interface: Self.interface, member: "ListModes") {
                    done($0.flatMap(Self.doNotDisturb(in:)))
                }
            case .failure(let error):
                done(.failure(error))
            }
        }
    }

    private func changed(_ message: Message) {
        guard let change = PropertiesChange(message), change.mentions(Self.property) else { return }
        signalsModes = true
        // mako 1.10 and later invalidate `Modes` without sending its value.
        if let modes = change.changed[Self.property], case .success(let active) = Self.doNotDisturb(in: [modes]) {
            watch.update(active)
        } else {
            watch.readNow()
        }
    }
}

import DBus
import Logging

/// Whether the screen is locked, from a screen saver service that has `GetActive() -> b` and the
/// signal `ActiveChanged(b)`: GNOME Shell's `org.gnome.ScreenSaver` at `/org/gnome/ScreenSaver`
/// (gnome-shell `data/dbus-interfaces/org.gnome.ScreenSaver.xml`), and KDE's
/// `org.freedesktop.ScreenSaver` at `/org/freedesktop/ScreenSaver` (kscreenlocker `interface.h`,
/// served by ksmserver). Active means locked there: both lock when they activate.
///
/// On GNOME, `org.freedesktop.ScreenSaver` belongs to gsd-screensaver-proxy, which has only
/// `Inhibit`/`UnInhibit`: its `GetActive` fails, and the source reads as unknown.
public final class ScreenSaverLock: PresenceSource {
    /// Where a screen saver lives on the bus.
    public struct Service: Sendable {
        /// GNOME Shell's screen shield.
        public static let gnome = Service(name: "org.gnome.ScreenSaver", path: "/org/gnome/ScreenSaver",
                                          interface: "org.gnome.ScreenSaver")
        /// KDE's screen locker (and other freedesktop screen savers).
        public static let freedesktop = Service(name: "org.freedesktop.ScreenSaver", path: "/org/freedesktop/ScreenSaver",
                                                interface: "org.freedesktop.ScreenSaver")

        public let name: BusName
        public let path: ObjectPath
        public let interface: InterfaceName
    }

    public let service: Service
    public var name: String { service.name.rawValue }
    public var value: Bool? { watch.state }
    public var isSettled: Bool { watch.isSettled }
    private let watch: DoNotDisturbServiceWatch<Bool>

    /// A source on `connection` (the session bus), which must be attached to the daemon's loop.
    public init(_ service: Service, connection: Connection, log: Logger) {
        self.service = service
        watch = DoNotDisturbServiceWatch(connection: connection, service: service.name, sourceName: service.name.rawValue, log: log,
                                         unknownMessage: "presence: the screen lock of \(service.name) is unknown", reportsSettling: true)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = MatchRule(sender: service.name.rawValue, path: service.path, interface: service.interface, member: "ActiveChanged")
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [rule: { [weak self] message in
            guard let self else { return }
            if let active = (try? message.arguments())?.first?.boolValue {
                self.watch.update(active)
            } else {
                self.watch.readNow()
            }
        }], onChange: onChange)
    }

    public func stop() { watch.stop() }

    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        watch.call(path: service.path, interface: service.interface, member: "GetActive") { [service] result in
            done(result.flatMap { values in
                guard let active = values.first?.boolValue else {
                    return .failure(BusError(.invalidArgs, "\(service.interface).GetActive answered \(values), expected a boolean"))
                }
                return .success(active)
            })
        }
    }
}

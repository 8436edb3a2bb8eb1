import DBus
import Logging

/// Whether the screen is locked, from systemd-logind on the system bus: the `LockedHint` property (b)
/// of the user's session (`org.freedesktop.login1.Session`), which screen lockers set through
/// `SetLockedHint` (GNOME Shell, KDE's, xfce4-screensaver, swaylock through their session managers…)
/// and which logind announces with `PropertiesChanged`. The session is the one logind names for
/// `GetSession("auto")` — the caller's own, or, for a user service such as trainbelld outside any
/// session, the user's display session — else `XDG_SESSION_ID`'s; it is looked up again whenever
/// logind appears on the bus.
public final class LogindSessionLock: PresenceSource {
    static let service: BusName = "org.freedesktop.login1"
    static let managerPath: ObjectPath = "/org/freedesktop/login1"
    static let managerInterface: InterfaceName = "org.freedesktop.login1.Manager"
    static let sessionInterface: InterfaceName = "org.freedesktop.login1.Session"
    static let sessions: ObjectPath = "/org/freedesktop/login1/session"
    static let property = "LockedHint"

    public let name = LogindSessionLock.service.rawValue
    public var value: Bool? { watch.state }
    public var isSettled: Bool { watch.isSettled }
    /// The session followed, once logind named it.
    public private(set) var sessionPath: ObjectPath?
    private let sessionID: String?
    private let watch: DoNotDisturbServiceWatch<Bool>

    /// A source on `connection` (the system bus), which must be attached to the daemon's loop;
    /// `sessionID` is `XDG_SESSION_ID`, tried when `GetSession("auto")` fails.
    public init(connection: Connection, sessionID: String?, log: Logger) {
        self.sessionID = sessionID.flatMap { $0.isEmpty ? nil : $0 }
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log,
                                         unknownMessage: "presence: the LockedHint of the logind session is unknown", reportsSettling: true)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = MatchRule(sender: Self.service.rawValue, pathNamespace: Self.sessions, interface: .properties,
                             member: PropertiesChange.member, arg0: Self.sessionInterface.rawValue)
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [rule: { [weak self] message in
            self?.changed(message)
        }], onChange: onChange)
    }

    public func stop() {
        watch.stop()
        sessionPath = nil
    }

    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        findSession(["auto"] + (sessionID.map { [$0] } ?? [])) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                self.sessionPath = nil
                done(.failure(error))
            case .success(let path):
                self.sessionPath = path
                self.watch.call(path: path, interface: .properties, member: "Get",
                                [.string(Self.sessionInterface.rawValue), .string(Self.property)]) { result in
                    done(result.flatMap { values in
                        guard let locked = values.first?.boolValue else {
                            return .failure(BusError(.invalidArgs, "\(Self.property) of \(path) is \(values), expected a boolean"))
                        }
                        return .success(locked)
                    })
                }
            }
        }
    }

    /// `GetSession` for each id in turn until logind names one.
    private func findSession(_ ids: [String], _ done: @escaping (Result<ObjectPath, BusError>) -> Void) {
        guard let id = ids.first else {
            done(.failure(BusError(.failed, "logind names no session for trainbelld")))
            return
        }
        watch.call(path: Self.managerPath, interface: Self.managerInterface, member: "GetSession", [.string(id)]) { [weak self] result in
            switch result {
            case .success(let values):
                if let path = values.first?.objectPathValue { done(.success(path)) } else {
                    done(.failure(BusError(.invalidArgs, "GetSession(\"\(id)\") answered \(values), expected an object path")))
                }
            case .failure(let error):
                if ids.count > 1, let self { self.findSession(Array(ids.dropFirst()), done) } else { done(.failure(error)) }
            }
        }
    }

    private func changed(_ message: Message) {
        guard let sessionPath, message.path == sessionPath,
              let change = PropertiesChange(message), change.mentions(Self.property) else { return }
        if let locked = change.changed[Self.property]?.boolValue {
            watch.update(locked)
        } else {
            watch.readNow()
        }
    }
}

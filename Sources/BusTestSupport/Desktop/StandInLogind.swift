import DBus
import Glibc

/// systemd-logind for what cannot run here, on a private bus that stands for the system bus
/// (`PrivateBus(kind: .system)`, handed over in `DBUS_SYSTEM_BUS_ADDRESS`): owns
/// `org.freedesktop.login1` and exports, with the names and signatures of systemd
/// `src/login/logind-dbus.c` and `logind-session-dbus.c`, the manager `/org/freedesktop/login1`
/// (`org.freedesktop.login1.Manager`: `GetSession(s session_id) -> o object_path` — "auto" and
/// "self" name the one session, as for a caller in it or whose user's display session it is —,
/// `GetSessionByPID(u pid) -> o object_path`, `ListSessions() -> a(susso) sessions`) and one
/// session `/org/freedesktop/login1/session/_32` (id "2"; `org.freedesktop.login1.Session`:
/// properties `Id`, `Name`, `Active`, `IdleHint`, `LockedHint`, the last three with
/// `PropertiesChanged`; methods `Activate`, `Lock`, `Unlock`, `SetIdleHint(b idle)`,
/// `SetLockedHint(b locked)`; signals `Lock`, `Unlock`).
///
/// `lock()`/`unlock()` play the screen locker, which calls `SetLockedHint`. Runs on a loop thread of
/// its own; every method may be called from the test's thread.
public final class StandInLogind: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    public static let sessionID = "2"
    public static let sessionPath: ObjectPath = "/org/freedesktop/login1/session/_32"

    private let state: LogindState
    private let host: StandInHost

    /// Exports the objects, then takes `org.freedesktop.login1` on `bus` (the stand-in system bus).
    /// Without `answersAuto`, `GetSession("auto")` fails as for a caller outside any session whose
    /// user has no display session (`NoSessionForPID`); the session id still works.
    public init(bus: PrivateBus, locked: Bool = false, answersAuto: Bool = true) throws {
        let state = LogindState(locked: locked, answersAuto: answersAuto)
        self.state = state
        host = try StandInHost(bus: bus, names: ["org.freedesktop.login1"]) {
            let session = ExportedObject(path: Self.sessionPath, interfaces: [state.session])
            state.sessionObject = session
            return [ExportedObject(path: "/org/freedesktop/login1", interfaces: [state.manager]), session]
        }
    }

    /// The screen locker locks and sets the hint.
    public func lock() throws { try host.sync { _ in self.state.setLocked(true) } }

    /// The screen locker unlocks and clears the hint.
    public func unlock() throws { try host.sync { _ in self.state.setLocked(false) } }

    /// The session ids asked for with `GetSession`, in order.
    public var sessionsAskedFor: [String] { (try? host.sync { _ in self.state.asked }) ?? [] }

    /// Leaves the bus. Also done when dropped.
    public func stop() { host.stop() }

    deinit { stop() }
}

/// logind's one session and its tables; used on the host's loop thread only.
private final class LogindState: @unchecked Sendable {
    // @unchecked Sendable: created on the test's thread, then used on the loop thread only.
    static let sessionInterface: InterfaceName = "org.freedesktop.login1.Session"

    var locked: Bool
    var idle = false
    var asked: [String] = []
    weak var sessionObject: ExportedObject?

    let answersAuto: Bool

    init(locked: Bool, answersAuto: Bool) {
        self.locked = locked
        self.answersAuto = answersAuto
    }

    func setLocked(_ now: Bool) {
        guard now != locked else { return }
        locked = now
        sessionObject?.emitPropertiesChanged(Self.sessionInterface, ["LockedHint"])
    }

    var manager: Interface {
        Interface("org.freedesktop.login1.Manager", methods: [
            Method("GetSession", in: [Argument("session_id", .string)], out: [Argument("object_path", .objectPath)]) { call in
                let id: String = try call.argument(0)
                self.asked.append(id)
                if id == "auto" || id == "self", !self.answersAuto {
                    throw BusError(ErrorName(rawValue: "org.freedesktop.login1.NoSessionForPID"), "Caller does not belong to any known session")
                }
                guard ["auto", "self", StandInLogind.sessionID].contains(id) else {
                    throw BusError(ErrorName(rawValue: "org.freedesktop.login1.NoSuchSession"), "No session '\(id)' known")
                }
                return [.objectPath(StandInLogind.sessionPath)]
            },
            Method("GetSessionByPID", in: [Argument("pid", .uint32)], out: [Argument("object_path", .objectPath)]) { _ in
                [.objectPath(StandInLogind.sessionPath)]
            },
            Method("ListSessions", out: [Argument("sessions", .array(.structure([.string, .uint32, .string, .string, .objectPath])))]) { _ in
                [.array(.structure([.string, .uint32, .string, .string, .objectPath]), [
                    .structure([.string(StandInLogind.sessionID), .uint32(getuid()), .string("user"), .string("seat0"),
                                .objectPath(StandInLogind.sessionPath)]),
                ])]
            },
        ])
    }

    var session: Interface {
        Interface(Self.sessionInterface, methods: [
            Method("Activate") { _ in [] },
            Method("Lock") { call in
                try? call.connection.emitSignal(path: StandInLogind.sessionPath, interface: Self.sessionInterface, member: "Lock", [])
                return []
            },
            Method("Unlock") { call in
                try? call.connection.emitSignal(path: StandInLogind.sessionPath, interface: Self.sessionInterface, member: "Unlock", [])
                return []
            },
            Method("SetIdleHint", in: [Argument("idle", .boolean)]) { call in
                self.idle = try call.argument(0)
                self.sessionObject?.emitPropertiesChanged(Self.sessionInterface, ["IdleHint"])
                return []
            },
            Method("SetLockedHint", in: [Argument("locked", .boolean)]) { call in
                self.setLocked(try call.argument(0))
                return []
            },
        ], properties: [
            Property("Id", .string, emitsChange: .const) { .string(StandInLogind.sessionID) },
            Property("Name", .string, emitsChange: .const) { .string("user") },
            Property("Active", .boolean) { .boolean(true) },
            Property("IdleHint", .boolean) { .boolean(self.idle) },
            Property("LockedHint", .boolean) { .boolean(self.locked) },
        ], signals: [
            SignalDeclaration("Lock"),
            SignalDeclaration("Unlock"),
        ])
    }
}

import DBus

/// A desktop's screen locker for what cannot run here (a whole GNOME or Plasma session), with the
/// exact interface of the real one:
///
/// - `.gnome`: GNOME Shell's `org.gnome.ScreenSaver` at `/org/gnome/ScreenSaver` (gnome-shell
///   `data/dbus-interfaces/org.gnome.ScreenSaver.xml`): `Lock()`, `GetActive() -> b active`,
///   `SetActive(b value)`, `GetActiveTime() -> u value`, signals `ActiveChanged(b new_value)` and
///   `WakeUpScreen()`.
/// - `.kde`: KDE's `org.freedesktop.ScreenSaver` (kscreenlocker `interface.h`, served by ksmserver) at
///   `/ScreenSaver` and `/org/freedesktop/ScreenSaver`: `Lock`, `SwitchUser`, `SimulateUserActivity`,
///   `SetActive(b) -> b`, `GetActive() -> b`, `GetActiveTime() -> u`, `GetSessionIdleTime() -> u`
///   (seconds), `Inhibit(s, s) -> u`, `UnInhibit(u)`, `Throttle(s, s) -> u`, `UnThrottle(u)`,
///   `configure()`, signals `ActiveChanged(b)` and `AboutToLock()` — also as `org.kde.screensaver`.
///
/// Locking (`lock`, or a client's `Lock`) sets active and emits `ActiveChanged(true)` from each path;
/// `unlock` the opposite. Runs on a loop thread of its own; every method may be called from the test's thread.
public final class StandInScreenSaver: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    public enum Flavour: Sendable {
        case gnome, kde
    }

    private let state: ScreenSaverState
    private let host: StandInHost

    /// Exports the objects, then takes the name (failing when someone owns it).
    public init(_ flavour: Flavour, bus: PrivateBus, locked: Bool = false) throws {
        let state = ScreenSaverState(flavour: flavour, locked: locked)
        self.state = state
        let names: [BusName] = flavour == .gnome ? ["org.gnome.ScreenSaver"] : ["org.freedesktop.ScreenSaver", "org.kde.screensaver"]
        host = try StandInHost(bus: bus, names: names) {
            let objects = state.paths.map { ExportedObject(path: $0, interfaces: state.interfaces) }
            state.objects = objects
            return objects
        }
    }

    /// The screen locks, as when the user presses Super+L.
    public func lock() throws { try host.sync { _ in self.state.set(true) } }

    /// The user unlocks the screen.
    public func unlock() throws { try host.sync { _ in self.state.set(false) } }

    /// The session's idle time `GetSessionIdleTime` answers (KDE), in seconds.
    public func setIdleSeconds(_ seconds: UInt32) throws { try host.sync { _ in self.state.idleSeconds = seconds } }

    /// How often `GetSessionIdleTime` was called.
    public var idleTimeReads: Int { (try? host.sync { _ in self.state.idleTimeReads }) ?? 0 }

    /// Leaves the bus: releases the name and stops the thread. Also done when dropped.
    public func stop() { host.stop() }

    deinit { stop() }
}

/// The locker's state and tables; used on the host's loop thread only.
private final class ScreenSaverState: @unchecked Sendable {
    // @unchecked Sendable: created on the test's thread, then used on the loop thread only.
    let flavour: StandInScreenSaver.Flavour
    var locked: Bool
    var lockedSince: UInt32 = 0
    var idleSeconds: UInt32 = 0
    var idleTimeReads = 0
    var nextCookie: UInt32 = 1
    var objects: [ExportedObject] = []

    init(flavour: StandInScreenSaver.Flavour, locked: Bool) {
        self.flavour = flavour
        self.locked = locked
    }

    var paths: [ObjectPath] { flavour == .gnome ? ["/org/gnome/ScreenSaver"] : ["/ScreenSaver", "/org/freedesktop/ScreenSaver"] }
    var interfaceName: InterfaceName { flavour == .gnome ? "org.gnome.ScreenSaver" : "org.freedesktop.ScreenSaver" }

    func set(_ now: Bool) {
        guard now != locked else { return }
        if now, flavour == .kde { for object in objects { try? object.emit("org.kde.screensaver", "AboutToLock", []) } }
        locked = now
        for object in objects { try? object.emit(interfaceName, "ActiveChanged", [.boolean(now)]) }
    }

    var interfaces: [Interface] {
        switch flavour {
        case .gnome:
            return [Interface("org.gnome.ScreenSaver", methods: [
                Method("Lock") { _ in self.set(true); return [] },
                Method("GetActive", out: [Argument("active", .boolean)]) { _ in [.boolean(self.locked)] },
                Method("SetActive", in: [Argument("value", .boolean)]) { call in
                    self.set(try call.argument(0, as: Bool.self))
                    return []
                },
                Method("GetActiveTime", out: [Argument("value", .uint32)]) { _ in [.uint32(self.locked ? 1 : 0)] },
            ], signals: [
                SignalDeclaration("ActiveChanged", [Argument("new_value", .boolean)]),
                SignalDeclaration("WakeUpScreen"),
            ])]
        case .kde:
            let cookie: (MethodCall) throws -> [DBusValue] = { _ in
                defer { self.nextCookie &+= 1 }
                return [.uint32(self.nextCookie)]
            }
            return [Interface("org.freedesktop.ScreenSaver", methods: [
                Method("Lock") { _ in self.set(true); return [] },
                Method("SwitchUser") { _ in self.set(true); return [] },
                Method("SimulateUserActivity") { _ in self.idleSeconds = 0; return [] },
                Method("SetActive", in: [Argument("state", .boolean)], out: [Argument("", .boolean)]) { call in
                    self.set(try call.argument(0, as: Bool.self))
                    return [.boolean(true)]
                },
                Method("GetActive", out: [Argument("", .boolean)]) { _ in [.boolean(self.locked)] },
                Method("GetActiveTime", out: [Argument("", .uint32)]) { _ in [.uint32(self.locked ? 1 : 0)] },
                Method("GetSessionIdleTime", out: [Argument("", .uint32)]) { _ in
                    self.idleTimeReads += 1
                    return [.uint32(self.idleSeconds)]
                },
                Method("Inhibit", in: [Argument("application_name", .string), Argument("reason_for_inhibit", .string)],
                       out: [Argument("", .uint32)], cookie),
                Method("UnInhibit", in: [Argument("cookie", .uint32)]) { _ in [] },
                Method("Throttle", in: [Argument("application_name", .string), Argument("reason_for_inhibit", .string)],
                       out: [Argument("", .uint32)], cookie),
                Method("UnThrottle", in: [Argument("cookie", .uint32)]) { _ in [] },
                Method("configure") { _ in [] },
            ], signals: [
                SignalDeclaration("ActiveChanged", [Argument("state", .boolean)]),
                SignalDeclaration("AboutToLock"),
            ]),
            Interface("org.kde.screensaver", methods: [
                Method("SwitchUser") { _ in self.set(true); return [] },
                Method("configure") { _ in [] },
            ], signals: [SignalDeclaration("AboutToLock")])]
        }
    }
}

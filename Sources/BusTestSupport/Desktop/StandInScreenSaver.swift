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
/// - `.gnomeProxy`: what owns `org.freedesktop.ScreenSaver` on GNOME, gnome-settings-daemon's
///   gsd-screensaver-proxy (`plugins/screensaver-proxy/gsd-screensaver-proxy-manager.c`): the same
///   members as KDE's at both paths, but only `Inhibit`, `UnInhibit`, `Throttle` and `UnThrottle`
///   work; the others answer `org.freedesktop.DBus.Error.NotSupported`, and it never signals.
///
/// Locking (`lock`, or a client's `Lock`) sets active and emits `ActiveChanged(true)` from each path;
/// `unlock` the opposite. Runs on a loop thread of its own; every method may be called from the test's thread.
public final class StandInScreenSaver: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    public enum Flavour: Sendable {
        case gnome, kde, gnomeProxy
    }

    private let state: ScreenSaverState
    private let host: StandInHost

    /// Exports the objects, then takes the name (failing when someone owns it).
    public init(_ flavour: Flavour, bus: PrivateBus, locked: Bool = false) throws {
        let state = ScreenSaverState(flavour: flavour, locked: locked)
        self.state = state
        let names: [BusName] = switch flavour {
        case .gnome: ["org.gnome.ScreenSaver"]
        case .kde: ["org.freedesktop.ScreenSaver", "org.kde.screensaver"]
        case .gnomeProxy: ["org.freedesktop.ScreenSaver"]
        }
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

    /// How often `GetSessionIdleTime` was called (also when it answered NotSupported).
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
        guard now != locked, flavour != .gnomeProxy else { return }
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
        case .kde, .gnomeProxy:
            let cookie: (MethodCall) throws -> [DBusValue] = { _ in
                defer { self.nextCookie &+= 1 }
                return [.uint32(self.nextCookie)]
            }
            let proxy = flavour == .gnomeProxy
            /// gsd-screensaver-proxy's answer to what is not about inhibiting.
            func supported() throws {
                if proxy {
                    throw BusError(ErrorName(rawValue: "org.freedesktop.DBus.Error.NotSupported"),
                                   "This method is not part of the idle inhibition specification: https://specifications.freedesktop.org/idle-inhibit-spec/latest/")
                }
            }
            let screenSaver = Interface("org.freedesktop.ScreenSaver", methods: [
                Method("Lock") { _ in try supported(); self.set(true); return [] },
                Method("SimulateUserActivity") { _ in try supported(); self.idleSeconds = 0; return [] },
                Method("SetActive", in: [Argument("state", .boolean)], out: [Argument("", .boolean)]) { call in
                    try supported()
                    self.set(try call.argument(0, as: Bool.self))
                    return [.boolean(true)]
                },
                Method("GetActive", out: [Argument("", .boolean)]) { _ in try supported(); return [.boolean(self.locked)] },
                Method("GetActiveTime", out: [Argument("", .uint32)]) { _ in try supported(); return [.uint32(self.locked ? 1 : 0)] },
                Method("GetSessionIdleTime", out: [Argument("", .uint32)]) { _ in
                    self.idleTimeReads += 1
                    try supported()
                    return [.uint32(self.idleSeconds)]
                },
                Method("Inhibit", in: [Argument("application_name", .string), Argument("reason_for_inhibit", .string)],
                       out: [Argument("", .uint32)], cookie),
                Method("UnInhibit", in: [Argument("cookie", .uint32)]) { _ in [] },
                Method("Throttle", in: [Argument("application_name", .string), Argument("reason_for_inhibit", .string)],
                       out: [Argument("", .uint32)], cookie),
                Method("UnThrottle", in: [Argument("cookie", .uint32)]) { _ in [] },
            ] + (proxy ? [] : [
                Method("SwitchUser") { _ in self.set(true); return [] },
                Method("configure") { _ in [] },
            ]), signals: [
                SignalDeclaration("ActiveChanged", [Argument("state", .boolean)]),
            ] + (proxy ? [] : [SignalDeclaration("AboutToLock")]))
            if proxy { return [screenSaver] }
            return [screenSaver, Interface("org.kde.screensaver", methods: [
                Method("SwitchUser") { _ in self.set(true); return [] },
                Method("configure") { _ in [] },
            ], signals: [SignalDeclaration("AboutToLock")])]
        }
    }
}

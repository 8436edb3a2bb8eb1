import DBus

/// KDE Plasma's notification server for what cannot run here (a whole Plasma session): owns
/// `org.freedesktop.Notifications` and exports at `/org/freedesktop/Notifications` the interface of
/// plasma-workspace `libnotificationmanager/dbus/org.freedesktop.Notifications.xml` — the standard
/// members, `GetServerInformation` answering "Plasma", "KDE", capability `inhibitions`,
/// `Inhibit(s desktop_entry, s reason, a{sv} hints) -> u`, `UnInhibit(u)`, the read-only property
/// `Inhibited` (b) with `PropertiesChanged` on each change (`ServerPrivate::onInhibitedChanged`),
/// and the signals `NotificationReplied` and `ActivationToken` — and `org.kde.NotificationManager`.
///
/// `Inhibited` is what the notifications applet sets (`Globals.qml`): the user's Do Not Disturb, or
/// an application's inhibition (`Inhibit`, released by `UnInhibit` or when the application leaves
/// the bus). Runs on a loop thread of its own; every method may be called from the test's thread.
public final class StandInPlasmaNotifications: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    public static let serverName = "Plasma"
    public static let capabilities = [
        "body", "body-hyperlinks", "body-markup", "body-images", "icon-static", "actions", "persistence",
        "inline-reply", "sound", "x-kde-urls", "x-kde-origin-name", "x-kde-display-appname", "inhibitions",
    ]

    private let state: PlasmaState
    private let host: StandInHost
    /// The server's unique name on the bus.
    public var uniqueName: String { host.uniqueName }

    /// Exports the objects, then takes `org.freedesktop.Notifications` (failing when someone owns it),
    /// with the user's Do Not Disturb `doNotDisturb`.
    public init(bus: PrivateBus, doNotDisturb: Bool = false) throws {
        let state = PlasmaState(doNotDisturb: doNotDisturb)
        self.state = state
        host = try StandInHost(bus: bus, names: [NotificationsBus.name]) {
            let object = ExportedObject(path: NotificationsBus.path, interfaces: [state.notifications, state.manager])
            state.object = object
            return [object]
        }
    }

    /// The user switches Do Not Disturb in the applet: `Inhibited` follows, with `PropertiesChanged`
    /// when it changes.
    public func setDoNotDisturb(_ on: Bool) throws {
        try host.sync { _ in self.state.doNotDisturb = on; self.state.update() }
    }

    /// The `Inhibited` property now.
    public var inhibited: Bool {
        get throws { try host.sync { _ in self.state.inhibited } }
    }

    /// The `Notify` calls received.
    public var notifies: [NotifyCall] { state.shared.received.snapshot }

    /// Leaves the bus: releases the name and stops the thread. Also done when dropped.
    public func stop() { host.stop() }

    deinit { stop() }
}

/// The server's state and tables; used on the host's loop thread only.
private final class PlasmaState: @unchecked Sendable {
    // @unchecked Sendable: created on the test's thread, then used on the loop thread only.
    static let interface: InterfaceName = "org.freedesktop.Notifications"

    let shared = StandInNotificationsInterface(
        information: .init(name: StandInPlasmaNotifications.serverName, vendor: "KDE", version: "6.3.5", specVersion: "1.2"),
        capabilities: StandInPlasmaNotifications.capabilities)
    var doNotDisturb: Bool
    /// Inhibitions by cookie: the caller, and the watch of its name.
    var inhibitions: [UInt32: (sender: String, watch: SignalSubscription?)] = [:]
    var nextCookie: UInt32 = 1
    private(set) var inhibited: Bool
    weak var object: ExportedObject?

    init(doNotDisturb: Bool) {
        self.doNotDisturb = doNotDisturb
        self.inhibited = doNotDisturb
    }

    /// Sets `Inhibited` from the user's choice and the applications', signalling a change.
    func update() {
        let now = doNotDisturb || !inhibitions.isEmpty
        guard now != inhibited else { return }
        inhibited = now
        object?.emitPropertiesChanged(Self.interface, ["Inhibited"])
    }

    func release(_ cookie: UInt32) {
        guard let inhibition = inhibitions.removeValue(forKey: cookie) else { return }
        inhibition.watch?.cancel()
        update()
    }

    var notifications: Interface {
        shared.interface(methods: [
            Method("Inhibit", in: [
                Argument("desktop_entry", .string), Argument("reason", .string),
                Argument("hints", .dictionary(key: .string, value: .variant)),
            ], out: [Argument("cookie", .uint32)]) { call in
                let cookie = self.nextCookie
                self.nextCookie &+= 1
                let sender = call.sender
                let watch = BusName(rawValue: sender).flatMap { name in
                    try? call.connection.watchNameOwner(name) { [weak self] owner in
                        if owner == nil { self?.release(cookie) }
                    }
                }
                self.inhibitions[cookie] = (sender, watch)
                self.update()
                return [.uint32(cookie)]
            },
            // Plasma only logs an unknown cookie.
            Method("UnInhibit", in: [Argument("cookie", .uint32)]) { call in
                self.release(try call.argument(0, as: UInt32.self))
                return []
            },
        ], properties: [
            Property("Inhibited", .boolean, emitsChange: .true) { .boolean(self.inhibited) },
        ], signals: [
            SignalDeclaration("NotificationReplied", [Argument("id", .uint32), Argument("text", .string)]),
            SignalDeclaration("ActivationToken", [Argument("id", .uint32), Argument("activation_token", .string)]),
        ])
    }

    /// `org.kde.NotificationManager` (plasma-workspace `dbus/org.kde.notificationmanager.xml`).
    var manager: Interface {
        Interface("org.kde.NotificationManager", methods: [
            Method("RegisterWatcher") { _ in [] },
            Method("UnRegisterWatcher") { _ in [] },
            Method("InvokeAction", in: [Argument("id", .uint32), Argument("action_key", .string)]) { _ in [] },
        ])
    }
}

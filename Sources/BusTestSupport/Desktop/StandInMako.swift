import DBus

/// The D-Bus side of mako 1.10 and later, which cannot run here (Debian 12 has mako 1.7.1, which the
/// tests run for real: `Mako`): owns `org.freedesktop.Notifications` and exports what mako's
/// `dbus/xdg.c` and `dbus/mako.c` do —
/// the freedesktop interface at `/org/freedesktop/Notifications` (`GetServerInformation` answers
/// "mako", "emersion"), and `fr.emersion.Mako` at `/fr/emersion/Mako`: `DismissNotifications(a{sv})`,
/// `InvokeAction(us)`, `RestoreNotification`, `ListNotifications() -> aa{sv}`, `ListHistory() ->
/// aa{sv}`, `Reload`, `SetMode(s)`, `ListModes() -> as`, `SetModes(as)`, and the properties `Modes`
/// (as, mako 1.10) and `Notifications` (aa{sv}, mako 1.11), both announced by `PropertiesChanged`
/// as invalidations (sd-bus `SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION`).
///
/// mako starts in the mode `default`; every `SetMode`/`SetModes` replaces all modes (deduplicated)
/// and, with the properties, emits the invalidation even when nothing changed, as mako's
/// `set_modes` does. Runs on a loop thread of its own; every method may be called from the test's thread.
public final class StandInMako: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    public static let path: ObjectPath = "/fr/emersion/Mako"
    public static let interface: InterfaceName = "fr.emersion.Mako"
    public static let doNotDisturbMode = "do-not-disturb"

    private let state: MakoState
    private let host: StandInHost
    public var uniqueName: String { host.uniqueName }

    /// Exports both objects, then takes `org.freedesktop.Notifications`, with `modes` current.
    public init(bus: PrivateBus, modes: [String] = ["default"]) throws {
        let state = MakoState(modes: modes)
        self.state = state
        host = try StandInHost(bus: bus, names: [NotificationsBus.name]) {
            let mako = ExportedObject(path: Self.path, interfaces: [state.mako])
            state.object = mako
            return [ExportedObject(path: NotificationsBus.path, interfaces: [state.shared.interface()]), mako]
        }
    }

    /// The modes now (`makoctl mode`).
    public var modes: [String] {
        get throws { try host.sync { _ in self.state.modes } }
    }

    /// Replaces the modes, as `SetModes` does (`makoctl mode -s …`).
    public func setModes(_ modes: [String]) throws {
        try host.sync { _ in self.state.set(modes) }
    }

    /// Adds or removes `do-not-disturb`, as `makoctl mode -a do-not-disturb` / `-r` do (`ListModes`,
    /// then `SetModes`).
    public func setDoNotDisturb(_ on: Bool) throws {
        try host.sync { _ in
            var modes = self.state.modes.filter { $0 != Self.doNotDisturbMode }
            if on { modes.append(Self.doNotDisturbMode) }
            self.state.set(modes)
        }
    }

    /// The `Notify` calls received.
    public var notifies: [NotifyCall] { state.shared.received.snapshot }

    /// Leaves the bus: releases the name and stops the thread. Also done when dropped.
    public func stop() { host.stop() }

    deinit { stop() }
}

/// The modes, the notifications and the tables; used on the host's loop thread only.
private final class MakoState: @unchecked Sendable {
    // @unchecked Sendable: created on the test's thread, then used on the loop thread only.
    let shared = StandInNotificationsInterface(
        information: .init(name: "mako", vendor: "emersion", version: "0.0.0", specVersion: "1.2"),
        capabilities: ["body", "body-markup", "actions", "icon-static", "x-canonical-private-synchronous",
                       "x-dunst-stack-tag"])
    private(set) var modes: [String] = []
    var history: [NotifyCall] = []
    weak var object: ExportedObject?

    init(modes: [String]) {
        self.modes = Self.deduplicated(modes)
        shared.openChanged = { [weak self] in self?.propertyChanged("Notifications") }
    }

    static func deduplicated(_ modes: [String]) -> [String] {
        var seen = Set<String>()
        return modes.filter { seen.insert($0).inserted }
    }

    /// mako's `set_modes`: replace, drop duplicates, announce.
    func set(_ newModes: [String]) {
        modes = Self.deduplicated(newModes)
        propertyChanged("Modes")
    }

    private func propertyChanged(_ name: MemberName) {
        object?.emitPropertiesChanged(StandInMako.interface, [name])
    }

    /// mako's `a{sv}` of one notification (`handle_list_for_each`).
    static func entry(_ notify: NotifyCall) -> DBusValue {
        let category = notify.hints["category"]?.stringValue ?? ""
        let desktopEntry = notify.hints["desktop-entry"]?.stringValue ?? ""
        let urgency = notify.hints["urgency"]?.integerValue.flatMap { UInt8(exactly: $0) } ?? 1
        var actions: [DictEntry] = []
        var index = 0
        while index + 1 < notify.actions.count {
            actions.append(DictEntry(.string(notify.actions[index]), .string(notify.actions[index + 1])))
            index += 2
        }
        return .vardict([
            ("app-name", .string(notify.appName)), ("app-icon", .string(notify.icon)), ("category", .string(category)),
            ("desktop-entry", .string(desktopEntry)), ("summary", .string(notify.summary)), ("body", .string(notify.body)),
            ("id", .uint32(notify.returnedID ?? 0)), ("urgency", .byte(urgency)),
            ("actions", .dictionary(key: .string, value: .string, actions)),
        ])
    }

    static func list(_ notifies: [NotifyCall]) -> DBusValue {
        .array(.dictionary(key: .string, value: .variant), notifies.reversed().map(entry))
    }

    var mako: Interface {
        let listType = DBusType.array(.dictionary(key: .string, value: .variant))
        let properties = [
            Property("Modes", .array(.string), emitsChange: .invalidates) { .array(.string, self.modes.map { .string($0) }) },
            Property("Notifications", listType, emitsChange: .invalidates) { Self.list(self.shared.open) },
        ]
        return Interface(StandInMako.interface, methods: [
            Method("DismissNotifications", in: [Argument("options", .dictionary(key: .string, value: .variant))]) { _ in [] },
            Method("InvokeAction", in: [Argument("id", .uint32), Argument("action_key", .string)]) { _ in [] },
            Method("RestoreNotification") { _ in [] },
            Method("ListNotifications", out: [Argument("notifications", listType)]) { _ in [Self.list(self.shared.open)] },
            Method("ListHistory", out: [Argument("history", listType)]) { _ in [Self.list(self.history)] },
            Method("Reload") { _ in [] },
            Method("SetMode", in: [Argument("mode", .string)]) { call in
                self.set([try call.argument(0, as: String.self)])
                return []
            },
            Method("ListModes", out: [Argument("modes", .array(.string))]) { _ in
                [.array(.string, self.modes.map { .string($0) })]
            },
            Method("SetModes", in: [Argument("modes", .array(.string))]) { call in
                self.set(try call.argument(0, as: [String].self))
                return []
            },
        ], properties: properties)
    }
}

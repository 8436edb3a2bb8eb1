import DBus

/// The D-Bus side of SwayNotificationCenter 0.8 and later, which cannot run here (Debian 12 has swaync
/// 0.7.3, which the tests run for real: `Swaync`): owns `org.freedesktop.Notifications` (`GetServerInformation` answers
/// "SwayNotificationCenter", "ErikReider", spec 1.3) and then `org.erikreider.swaync.cc`, whose
/// object at `/org/erikreider/swaync/cc` has the members of swaync's `src/swayncDaemon/swayncDaemon.vala`:
/// `GetDnd() -> b`, `SetDnd(b)`, `ToggleDnd() -> b`, `GetSubscribeData() -> (bbub)`, the inhibitor
/// and visibility methods, the property `Inhibited` (b), and the signals
/// `SubscribeV2(u count, b dnd, b cc_open, b inhibited)` and the deprecated
/// `Subscribe(u count, b dnd, b cc_open)`.
///
/// swaync 0.8 and later emit only `SubscribeV2`: when Do Not Disturb changes, when a notification
/// arrives or is closed, when the control center opens or closes, and when the inhibitors change.
/// Runs on a loop thread of its own; every method may be called from the test's thread.
public final class StandInSwaync: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    public static let name: BusName = "org.erikreider.swaync.cc"
    public static let path: ObjectPath = "/org/erikreider/swaync/cc"
    public static let interface: InterfaceName = "org.erikreider.swaync.cc"

    private let state: SwayncState
    private let host: StandInHost
    public var uniqueName: String { host.uniqueName }

    /// Exports both objects, then takes `org.freedesktop.Notifications` and `org.erikreider.swaync.cc`.
    public init(bus: PrivateBus, doNotDisturb: Bool = false) throws {
        let state = SwayncState(dnd: doNotDisturb)
        self.state = state
        host = try StandInHost(bus: bus, names: [NotificationsBus.name, Self.name]) {
            let cc = ExportedObject(path: Self.path, interfaces: [state.controlCenter])
            state.object = cc
            return [ExportedObject(path: NotificationsBus.path, interfaces: [state.shared.interface(signals: [
                SignalDeclaration("ActivationToken", [Argument("id", .uint32), Argument("activation_token", .string)]),
                SignalDeclaration("NotificationReplied", [Argument("id", .uint32), Argument("text", .string)]),
            ])]), cc]
        }
    }

    /// The user toggles Do Not Disturb (`swaync-client -d`, or `SetDnd`): a subscribe signal follows
    /// when it changes.
    public func setDoNotDisturb(_ on: Bool) throws {
        try host.sync { _ in self.state.setDnd(on) }
    }

    public var doNotDisturb: Bool {
        get throws { try host.sync { _ in self.state.dnd } }
    }

    /// The `Notify` calls received.
    public var notifies: [NotifyCall] { state.shared.received.snapshot }

    /// Leaves the bus: releases both names and stops the thread. Also done when dropped.
    public func stop() { host.stop() }

    deinit { stop() }
}

/// The control center's state and tables; used on the host's loop thread only.
private final class SwayncState: @unchecked Sendable {
    // @unchecked Sendable: created on the test's thread, then used on the loop thread only.
    let shared = StandInNotificationsInterface(
        information: .init(name: "SwayNotificationCenter", vendor: "ErikReider", version: "0.12.6", specVersion: "1.3"),
        capabilities: ["actions", "body", "body-markup", "body-images", "persistence", "synchronous",
                       "private-synchronous", "x-canonical-private-synchronous", "inline-reply"])
    private(set) var dnd: Bool
    var visible = false
    var inhibitors: Set<String> = []
    weak var object: ExportedObject?

    init(dnd: Bool) {
        self.dnd = dnd
        shared.openChanged = { [weak self] in self?.emitSubscribe() }
    }

    var count: UInt32 { UInt32(shared.open.count) }
    var inhibited: Bool { !inhibitors.isEmpty }

    /// `notify["dnd"]` fires on a change only; then `emit_subscribe`.
    func setDnd(_ on: Bool) {
        guard on != dnd else { return }
        dnd = on
        emitSubscribe()
    }

    func setVisible(_ on: Bool) {
        guard on != visible else { return }
        visible = on
        emitSubscribe()
    }

    /// `SwayncDaemon.emit_subscribe`.
    func emitSubscribe() {
        guard let object else { return }
        try? object.emit(StandInSwaync.interface, "SubscribeV2",
                         [.uint32(count), .boolean(dnd), .boolean(visible), .boolean(inhibited)])
    }

    func inhibitorsChanged() {
        object?.emitPropertiesChanged(StandInSwaync.interface, ["Inhibited"])
        emitSubscribe()
    }

    var controlCenter: Interface {
        func result(_ type: DBusType) -> [Argument] { [Argument("result", type)] }
        return Interface(StandInSwaync.interface, methods: [
            Method("GetSubscribeData", out: result(.structure([.boolean, .boolean, .uint32, .boolean]))) { _ in
                [.structure([.boolean(self.dnd), .boolean(self.visible), .uint32(self.count), .boolean(self.inhibited)])]
            },
            Method("ReloadCss", out: result(.boolean)) { _ in [.boolean(true)] },
            Method("ReloadConfig") { _ in [] },
            Method("ChangeConfigValue", in: [Argument("name", .string), Argument("value", .variant),
                                             Argument("write_to_file", .boolean), Argument("path", .string)]) { _ in [] },
            Method("GetVisibility", out: result(.boolean)) { _ in [.boolean(self.visible)] },
            Method("HideLatestNotifications", in: [Argument("close", .boolean)]) { _ in [] },
            Method("HideAllNotifications") { _ in [] },
            Method("CloseAllNotifications") { _ in [] },
            Method("NotificationCount", out: result(.uint32)) { _ in [.uint32(self.count)] },
            Method("ToggleVisibility") { _ in
                self.setVisible(!self.visible)
                return []
            },
            Method("SetVisibility", in: [Argument("visibility", .boolean)]) { call in
                self.setVisible(try call.argument(0, as: Bool.self))
                return []
            },
            Method("ToggleDnd", out: result(.boolean)) { _ in
                self.setDnd(!self.dnd)
                return [.boolean(self.dnd)]
            },
            Method("SetDnd", in: [Argument("state", .boolean)]) { call in
                self.setDnd(try call.argument(0, as: Bool.self))
                return []
            },
            Method("GetDnd", out: result(.boolean)) { _ in [.boolean(self.dnd)] },
            Method("CloseNotification", in: [Argument("id", .uint32)]) { _ in [] },
            Method("LatestInvokeAction", in: [Argument("action_index", .uint32)]) { _ in [] },
            Method("LatestInvokeDefaultAction") { _ in [] },
            Method("AddInhibitor", in: [Argument("application_id", .string)], out: result(.boolean)) { call in
                guard self.inhibitors.insert(try call.argument(0, as: String.self)).inserted else { return [.boolean(false)] }
                self.inhibitorsChanged()
                return [.boolean(true)]
            },
            Method("RemoveInhibitor", in: [Argument("application_id", .string)], out: result(.boolean)) { call in
                guard self.inhibitors.remove(try call.argument(0, as: String.self)) != nil else { return [.boolean(false)] }
                self.inhibitorsChanged()
                return [.boolean(true)]
            },
            Method("NumberOfInhibitors", out: result(.uint32)) { _ in [.uint32(UInt32(self.inhibitors.count))] },
            Method("IsInhibited", out: result(.boolean)) { _ in [.boolean(self.inhibited)] },
            Method("ClearInhibitors", out: result(.boolean)) { _ in
                guard !self.inhibitors.isEmpty else { return [.boolean(false)] }
                self.inhibitors.removeAll()
                self.inhibitorsChanged()
                return [.boolean(true)]
            },
            Method("SetCcMonitor", in: [Argument("name", .string)], out: result(.boolean)) { _ in [.boolean(false)] },
            Method("SetNotiWindowMonitor", in: [Argument("name", .string)], out: result(.boolean)) { _ in [.boolean(false)] },
        ], properties: [
            Property("Inhibited", .boolean, emitsChange: .true) { .boolean(self.inhibited) },
        ], signals: [
            SignalDeclaration("SubscribeV2", [Argument("count", .uint32), Argument("dnd", .boolean),
                                              Argument("cc_open", .boolean), Argument("inhibited", .boolean)]),
            SignalDeclaration("Subscribe", [Argument("count", .uint32), Argument("dnd", .boolean), Argument("cc_open", .boolean)]),
        ])
    }
}

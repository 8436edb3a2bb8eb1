import DBus

/// The `org.freedesktop.Notifications` members every desktop stand-in shares (Desktop
/// Notifications 1.2): `GetCapabilities`, `Notify`, `CloseNotification`, `GetServerInformation`,
/// and the signals `NotificationClosed` and `ActionInvoked`, as the real server answers them. Each
/// stand-in adds what its server has besides and builds the interface table with `interface`.
///
/// Used on the stand-in's loop thread, except `received`, which locks itself.
final class StandInNotificationsInterface: @unchecked Sendable {
    // @unchecked Sendable: handed to the loop thread once; `open` and `nextID` are used there only.

    /// What `GetServerInformation` answers.
    struct ServerInformation: Sendable {
        var name: String
        var vendor: String
        var version: String
        var specVersion: String
    }

    let information: ServerInformation
    let capabilities: [String]
    /// Every `Notify` received, with the id it answered.
    let received = EventLog<NotifyCall>()
    /// Notifications shown and not closed, oldest first.
    private(set) var open: [NotifyCall] = []
    private var nextID: UInt32 = 1
    /// Runs after a `Notify` or `CloseNotification` changed `open` (swaync signals its count, mako its list).
    var openChanged: (() -> Void)?

    init(information: ServerInformation, capabilities: [String]) {
        self.information = information
        self.capabilities = capabilities
    }

    static let signals: [SignalDeclaration] = [
        SignalDeclaration("NotificationClosed", [Argument("id", .uint32), Argument("reason", .uint32)]),
        SignalDeclaration("ActionInvoked", [Argument("id", .uint32), Argument("action_key", .string)]),
    ]

    var methods: [Method] {
        [
            Method("GetCapabilities", out: [Argument("capabilities", .array(.string))]) { _ in
                [.array(.string, self.capabilities.map { .string($0) })]
            },
            Method("Notify", in: [
                Argument("app_name", .string), Argument("replaces_id", .uint32), Argument("app_icon", .string),
                Argument("summary", .string), Argument("body", .string), Argument("actions", .array(.string)),
                Argument("hints", .dictionary(key: .string, value: .variant)), Argument("expire_timeout", .int32),
            ], out: [Argument("id", .uint32)]) { call in
                guard var notify = NotifyCall(arguments: call.arguments, sender: call.sender) else {
                    throw BusError(.invalidArgs, "Notify expects (susssasa{sv}i)")
                }
                let id: UInt32
                if notify.replacesID != 0, let index = self.open.firstIndex(where: { $0.returnedID == notify.replacesID }) {
                    id = notify.replacesID
                    self.open.remove(at: index)
                } else {
                    id = self.nextID
                    self.nextID &+= 1
                }
                notify.returnedID = id
                self.open.append(notify)
                self.received.append(notify)
                self.openChanged?()
                return [.uint32(id)]
            },
            Method("CloseNotification", in: [Argument("id", .uint32)]) { call in
                let id = try call.argument(0, as: UInt32.self)
                if let index = self.open.firstIndex(where: { $0.returnedID == id }) {
                    self.open.remove(at: index)
                    try call.connection.emitSignal(path: NotificationsBus.path, interface: NotificationsBus.interface,
                                                   member: "NotificationClosed",
                                                   [.uint32(id), .uint32(CloseReason.closedByCall.rawValue)])
                    self.openChanged?()
                }
                return []
            },
            Method("GetServerInformation", out: [
                Argument("name", .string), Argument("vendor", .string), Argument("version", .string),
                Argument("spec_version", .string),
            ]) { _ in
                [.string(self.information.name), .string(self.information.vendor),
                 .string(self.information.version), .string(self.information.specVersion)]
            },
        ]
    }

    /// The table: the shared members, then the server's own.
    func interface(methods extraMethods: [Method] = [], properties: [Property] = [],
                   signals extraSignals: [SignalDeclaration] = []) -> Interface {
        Interface(NotificationsBus.interface, methods: methods + extraMethods, properties: properties,
                  signals: Self.signals + extraSignals)
    }
}

import DBus
import TrainBellCore

/// The client of `org.freedesktop.Notifications` (Desktop Notifications spec 1.2): follows which server
/// owns the name, reads its information and capabilities once per server, sends `Notify`, and maps the
/// server's `ActionInvoked` / `NotificationClosed` back to the caller.
public final class NotificationsClient {
    public static let busName: BusName = "org.freedesktop.Notifications"
    public static let path: ObjectPath = "/org/freedesktop/Notifications"
    public static let interface: InterfaceName = "org.freedesktop.Notifications"

    let connection: Connection
    /// The server, once its information has been read; nil while none owns the name.
    public private(set) var server: NotificationServer?
    private var owner: String?
    /// Whether the first answer about the owner has come (a missing server is reported once too).
    private var ownerKnown = false
    private var subscriptions: [SignalSubscription] = []

    /// A server appeared (with its information) or left (nil).
    public var onServerChange: ((NotificationServer?) -> Void)?
    /// The user clicked action `key` of the server's notification `id`.
    public var onActionInvoked: ((UInt32, String) -> Void)?
    /// The server closed notification `id` for `reason` (1 expired, 2 dismissed, 3 closed by call, 4 other).
    public var onNotificationClosed: ((UInt32, UInt32) -> Void)?

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Starts following the server; needs the connection's loop running to see answers.
    public func start() throws(BusError) {
        let rule = { (member: MemberName) in
            MatchRule(sender: Self.busName.rawValue, path: Self.path, interface: Self.interface, member: member)
        }
        subscriptions.append(try connection.subscribe(rule("ActionInvoked")) { [weak self] message in
            guard let args = try? message.arguments(), args.count == 2,
                  case .uint32(let id) = args[0], case .string(let key) = args[1] else { return }
            self?.onActionInvoked?(id, key)
        })
        subscriptions.append(try connection.subscribe(rule("NotificationClosed")) { [weak self] message in
            guard let args = try? message.arguments(), args.count == 2,
                  case .uint32(let id) = args[0], case .uint32(let reason) = args[1] else { return }
            self?.onNotificationClosed?(id, reason)
        })
        subscriptions.append(try connection.watchNameOwner(Self.busName) { [weak self] owner in
            self?.ownerChanged(owner)
        })
    }

    public func stop() {
        subscriptions.forEach { $0.cancel() }
        subscriptions = []
    }

    private func ownerChanged(_ newOwner: String?) {
        guard newOwner != owner || !ownerKnown else { return }
        ownerKnown = true
        owner = newOwner
        guard let newOwner else {
            server = nil
            onServerChange?(nil)
            return
        }
        readServer(uniqueName: newOwner)
    }

    /// Reads `GetServerInformation` and `GetCapabilities` of the new owner; a server that answers
    /// neither is still used, with no capabilities.
    private func readServer(uniqueName: String) {
        connection.callAsync(destination: Self.busName, path: Self.path, interface: Self.interface,
                             member: "GetServerInformation", timeout: 5) { [weak self] info in
            self?.connection.callAsync(destination: Self.busName, path: Self.path, interface: Self.interface,
                                       member: "GetCapabilities", timeout: 5) { caps in
                guard let self, self.owner == uniqueName else { return }
                let values = (try? info.get()) ?? []
                let text = values.map { $0.stringValue ?? "" } + ["", "", "", ""]
                let capabilities = Set(((try? caps.get())?.first?.arrayItems ?? []).compactMap(\.stringValue))
                let server = NotificationServer(uniqueName: uniqueName, name: text[0], vendor: text[1],
                                                version: text[2], specVersion: text[3], capabilities: capabilities)
                self.server = server
                self.onServerChange?(server)
            }
        }
    }

    /// Sends `Notify`; `reply` gets the server's id. Whatever the request, the server gets nothing it
    /// is known to crash on (`NotificationServerQuirks.safe`).
    public func notify(_ request: NotificationRequest, reply: @escaping (Result<UInt32, BusError>) -> Void) {
        let m = Message.methodCall(destination: Self.busName, path: Self.path, interface: Self.interface, member: "Notify")
        let request = server.map { $0.quirks.safe(request) } ?? request
        do {
            try m.append(Self.arguments(of: request))
        } catch {
            reply(.failure(error))
            return
        }
        // Never start a server by activation behind the user's back: the desktop runs its own.
        m.autoStart = false
        connection.callAsync(m, timeout: 10) { result in
            reply(result.flatMap { message in
                guard case .uint32(let id)? = (try? message.arguments())?.first else {
                    return .failure(BusError(.invalidArgs, "the notification server answered Notify with signature '\(message.signature)', expected 'u'"))
                }
                return .success(id)
            })
        }
    }

    /// Asks the server to close notification `id`.
    public func close(_ id: UInt32) {
        let m = Message.methodCall(destination: Self.busName, path: Self.path, interface: Self.interface,
                                   member: "CloseNotification")
        m.noReplyExpected = true
        m.autoStart = false
        try? m.append([.uint32(id)])
        _ = try? connection.send(m)
    }

    /// The eight `Notify` arguments, `susssasa{sv}i`.
    public static func arguments(of request: NotificationRequest) -> [DBusValue] {
        [
            .string(request.appName), .uint32(request.replacesID), .string(request.icon),
            .string(request.summary), .string(request.body),
            .array(.string, request.actions.map { .string($0) }),
            .vardict(request.hints.map { ($0.name, $0.value.dbusValue) }),
            .int32(request.expireTimeout),
        ]
    }
}

extension HintValue {
    /// The wire type of each hint kind (`value` as int32: mako rejects other types).
    public var dbusValue: DBusValue {
        switch self {
        case .byte(let v): .byte(v)
        case .boolean(let v): .boolean(v)
        case .int32(let v): .int32(v)
        case .string(let v): .string(v)
        case .image(let image):
            .structure([
                .int32(Int32(clamping: image.width)), .int32(Int32(clamping: image.height)),
                .int32(Int32(clamping: image.rowStride)), .boolean(image.hasAlpha),
                .int32(Int32(clamping: image.bitsPerSample)), .int32(Int32(clamping: image.channels)),
                .array(.byte, image.bytes.map { .byte($0) }),
            ])
        case .passthrough(let hint): hint.value as? DBusValue ?? .string("")
        }
    }
}

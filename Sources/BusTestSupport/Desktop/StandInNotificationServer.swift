import DBus
import Foundation

/// A notification server written with the `DBus` layer, for what a real dunst cannot show: a server that
/// appears late or restarts, chosen capabilities (with or without `body-markup`), a click on a named action.
///
/// It owns `org.freedesktop.Notifications` on a private bus and implements the freedesktop Desktop
/// Notifications interface of spec 1.2. It records what it receives and never closes or expires a
/// notification by itself: the test does, with `invokeAction` and `close`. It runs on a loop thread of its
/// own; every method may be called from the test's thread.
public final class StandInNotificationServer: @unchecked Sendable {
    /// What the server says about itself.
    public struct Configuration: Sendable {
        public var name: String
        public var vendor: String
        public var version: String
        public var specVersion: String
        /// `GetCapabilities`.
        public var capabilities: [String]
        /// Emit signals to the client that sent the notification only (as dunst does), or to everyone.
        public var unicastSignals: Bool
        /// Answer `Notify`; false is a server that hangs on it (it records the call, and never answers).
        public var answersNotify: Bool

        public init(name: String = "trainbell-stand-in", vendor: String = "trainbell", version: String = "1.0",
                    specVersion: String = "1.2", capabilities: [String] = ["actions", "body", "body-markup", "persistence"],
                    unicastSignals: Bool = true, answersNotify: Bool = true) {
            self.name = name
            self.vendor = vendor
            self.version = version
            self.specVersion = specVersion
            self.capabilities = capabilities
            self.unicastSignals = unicastSignals
            self.answersNotify = answersNotify
        }
    }

    public let configuration: Configuration
    /// This server's unique name on the bus.
    public let uniqueName: String
    private let thread = LoopThread()
    private var connection: Connection?
    private let state: ServerState

    /// Exports the interface, then takes `org.freedesktop.Notifications` (failing when someone owns it).
    public init(bus: PrivateBus, configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        let state = ServerState(configuration: configuration)
        self.state = state
        let connection = try thread.connect(to: bus)
        do {
            try thread.sync {
                connection.export(ExportedObject(path: NotificationsBus.path, interfaces: [state.interface]))
                guard try connection.requestName(NotificationsBus.name) == .primaryOwner else {
                    let owner = connection.nameOwner(NotificationsBus.name) ?? "someone else"
                    throw BusError(.failed, "\(NotificationsBus.name) is already owned by \(owner)")
                }
            }
        } catch {
            thread.close(connection)
            throw error
        }
        self.connection = connection
        uniqueName = connection.uniqueName
    }

    /// Everything received and emitted, in order.
    public var events: [NotificationEvent] { state.log.snapshot.map(\.event) }

    /// The `Notify` calls received (each with the id it answered).
    public var notifies: [NotifyCall] { events.compactMap(\.notifyCall) }

    /// Waits until at least `count` `Notify` calls arrived, at most `timeout` seconds; returns them.
    @discardableResult
    public func waitForNotifies(count: Int, timeout: Double = 10) -> [NotifyCall] {
        _ = state.log.wait(seconds: timeout) { $0.count { $0.event.notifyCall != nil } >= count }
        return notifies
    }

    /// Waits at most `timeout` seconds until `predicate` holds for the events so far.
    public func wait(timeout: Double = 10, until predicate: ([NotificationEvent]) -> Bool) -> Bool {
        state.log.wait(seconds: timeout) { predicate($0.map(\.event)) }
    }

    /// Ids of the notifications open now (shown, not closed).
    public var openIDs: [UInt32] {
        guard connection != nil else { return [] }
        return (try? thread.sync { self.state.open.keys.sorted() }) ?? []
    }

    /// The user clicked action `actionKey` of notification `id`: emits `ActivationToken` first when a token
    /// is given (spec 1.2), then `ActionInvoked`. The notification stays open, as with resident ones;
    /// clients such as `notify-send` close it themselves.
    public func invokeAction(id: UInt32, actionKey: String, activationToken: String? = nil) throws {
        try requireRunning()
        try thread.sync {
            if let activationToken {
                try self.emit("ActivationToken", id: id, [.uint32(id), .string(activationToken)],
                              event: .activationToken(id: id, token: activationToken))
            }
            try self.emit("ActionInvoked", id: id, [.uint32(id), .string(actionKey)],
                          event: .actionInvoked(id: id, actionKey: actionKey))
        }
    }

    /// Closes notification `id` as the server would (expired, dismissed…): emits `NotificationClosed`.
    public func close(id: UInt32, reason: CloseReason = .dismissedByUser) throws {
        try requireRunning()
        try thread.sync {
            try self.emit("NotificationClosed", id: id, [.uint32(id), .uint32(reason.rawValue)],
                          event: .notificationClosed(id: id, reason: reason))
            self.state.open[id] = nil
        }
    }

    /// After `stop` the loop no longer runs, so nothing may wait for it.
    private func requireRunning() throws(BusError) {
        guard connection != nil else { throw BusError(.disconnected, "the stand-in server is stopped") }
    }

    /// On the loop thread: emits a signal about `id` to its client (or to everyone), and records it.
    private func emit(_ member: MemberName, id: UInt32, _ arguments: [DBusValue], event: NotificationEvent) throws {
        guard let connection else { throw BusError(.disconnected, "the stand-in server is stopped") }
        try state.emit(member, id: id, arguments, event: event, on: connection)
    }

    /// Dies as a crashed server does: the connection drops without releasing the name or answering
    /// what is pending (the bus answers those with `NoReply` and announces the name's new owner).
    public func crash() {
        guard let connection else { return }
        self.connection = nil
        // Unanswered calls hold the connection, which holds the interface, which holds them.
        try? thread.sync { self.state.unanswered.removeAll() }
        thread.close(connection)
    }

    /// Releases the name (clients see the server vanish), closes the connection and stops the thread.
    /// Also done when the server is dropped.
    public func stop() {
        guard let connection else { return }
        self.connection = nil
        try? thread.sync {
            self.state.unanswered.removeAll()
            _ = try? connection.releaseName(NotificationsBus.name)
            connection.unexport(NotificationsBus.path)
        }
        thread.close(connection)
    }

    deinit { stop() }
}

/// The stand-in's state and interface table; touched on its loop thread only (the log locks itself).
private final class ServerState: @unchecked Sendable {
    // @unchecked Sendable: handed to the loop thread once; `open` and `nextID` are used there only.
    let configuration: StandInNotificationServer.Configuration
    let log = EventLog<RecordedEvent>()
    /// Open notification ids and the client that sent each.
    var open: [UInt32: String] = [:]
    /// `Notify` calls left unanswered (`answersNotify` false).
    var unanswered: [PendingReply] = []
    var nextID: UInt32 = 1

    init(configuration: StandInNotificationServer.Configuration) { self.configuration = configuration }

    func emit(_ member: MemberName, id: UInt32, _ arguments: [DBusValue], event: NotificationEvent,
              on connection: Connection) throws(BusError) {
        // Recorded first, so a client that reacts to the signal finds it in the log already.
        log.append(RecordedEvent(event: event, answered: true))
        let destination = configuration.unicastSignals ? open[id] : nil
        try connection.emitSignal(path: NotificationsBus.path, interface: NotificationsBus.interface,
                                  member: member, arguments, destination: destination)
    }

    /// org.freedesktop.Notifications as in the Desktop Notifications Specification 1.2.
    var interface: Interface {
        Interface(NotificationsBus.interface, methods: [
            Method("GetCapabilities", out: [Argument("capabilities", .array(.string))]) { _ in
                [.array(.string, self.configuration.capabilities.map { .string($0) })]
            },
            Method("Notify", in: [
                Argument("app_name", .string), Argument("replaces_id", .uint32), Argument("app_icon", .string),
                Argument("summary", .string), Argument("body", .string), Argument("actions", .array(.string)),
                Argument("hints", .dictionary(key: .string, value: .variant)), Argument("expire_timeout", .int32),
            ], out: [Argument("id", .uint32)], deferred: { call, reply in
                guard var notify = NotifyCall(arguments: call.arguments, sender: call.sender) else {
                    reply.fail(BusError(.invalidArgs, "Notify expects (susssasa{sv}i)"))
                    return
                }
                guard self.configuration.answersNotify else {
                    self.log.append(RecordedEvent(event: .notify(notify), answered: false))
                    self.unanswered.append(reply)
                    return
                }
                // Spec: a non-zero replaces_id is the id returned; 0 gets a new one.
                let id: UInt32
                if notify.replacesID != 0 {
                    id = notify.replacesID
                    self.nextID = max(self.nextID, id &+ 1)
                } else {
                    id = self.nextID
                    self.nextID &+= 1
                }
                self.open[id] = call.sender
                notify.returnedID = id
                self.log.append(RecordedEvent(event: .notify(notify), answered: true))
                reply.succeed([.uint32(id)])
            }),
            Method("CloseNotification", in: [Argument("id", .uint32)]) { call in
                let id = try call.argument(0, as: UInt32.self)
                self.log.append(RecordedEvent(event: .closeNotification(id: id), answered: true))
                // Like dunst, GNOME Shell and mako: closing an unknown id is not an error, and signals nothing.
                if self.open[id] != nil {
                    try self.emit("NotificationClosed", id: id, [.uint32(id), .uint32(CloseReason.closedByCall.rawValue)],
                                  event: .notificationClosed(id: id, reason: .closedByCall), on: call.connection)
                    self.open[id] = nil
                }
                return []
            },
            Method("GetServerInformation", out: [
                Argument("name", .string), Argument("vendor", .string), Argument("version", .string),
                Argument("spec_version", .string),
            ]) { _ in
                [.string(self.configuration.name), .string(self.configuration.vendor),
                 .string(self.configuration.version), .string(self.configuration.specVersion)]
            },
        ], signals: [
            SignalDeclaration("NotificationClosed", [Argument("id", .uint32), Argument("reason", .uint32)]),
            SignalDeclaration("ActionInvoked", [Argument("id", .uint32), Argument("action_key", .string)]),
            SignalDeclaration("ActivationToken", [Argument("id", .uint32), Argument("activation_token", .string)]),
        ])
    }
}

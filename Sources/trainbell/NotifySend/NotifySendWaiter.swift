import DBus
import Glibc

/// What `notify-send -w` / `-A` do after the notification is shown: follow the notification server's own
/// `ActionInvoked` and `NotificationClosed` for its id on a `PollLoop` of its own. A chosen action prints its key
/// (an unnamed action's key is its index) and closes the notification; a close ends the wait silently;
/// Ctrl-C closes it ("Wait cancelled, closing notification"); a positive expire time ends the wait after that
/// long ("Wait timeout expired", which notify-send 0.8.1 means to do but never does on 64-bit systems, see
/// libnotify commit 48f2d34).
///
/// Servers that send these signals to the notification's sender only (dunst) send them to trainbelld when the
/// notification went through it; the waiter also follows trainbelld's relay of them,
/// `NotificationActionInvoked(u server_id, s action_key)` and `NotificationClosed(u server_id, u reason)`.
final class NotifySendWaiter {
    static let server: BusName = "org.freedesktop.Notifications"
    static let serverPath: ObjectPath = "/org/freedesktop/Notifications"
    static let serverInterface: InterfaceName = "org.freedesktop.Notifications"

    private let connection: Connection
    private let loop = PollLoop()
    private let actionKeys: Set<String>
    private var subscriptions: [SignalSubscription] = []
    /// The server's id, once `Notify` or `Send` answered; signals before that are kept for it.
    private var id: UInt32?
    private var early: [(UInt32, Event)] = []
    private var finished = false

    private enum Event {
        case action(String)
        case closed
    }

    /// Subscribes before the notification is sent, so that no answer can be missed.
    init(connection: Connection, actionKeys: [String]) throws(BusError) {
        self.connection = connection
        self.actionKeys = Set(actionKeys)
        connection.attach(to: loop)
        connection.onDisconnect = { [weak self] in self?.finished = true }
        func follow(_ sender: String, _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName,
                    _ event: @escaping ([DBusValue]) -> (UInt32, Event)?) throws(BusError) {
            subscriptions.append(try connection.subscribe(MatchRule(sender: sender, path: path, interface: interface, member: member)) {
                [weak self] message in
                guard let args = try? message.arguments(), let (id, e) = event(args) else { return }
                self?.received(e, for: id)
            })
        }
        let action: ([DBusValue]) -> (UInt32, Event)? = { args in
            guard args.count == 2, case .uint32(let id) = args[0], case .string(let key) = args[1] else { return nil }
            return (id, .action(key))
        }
        let closed: ([DBusValue]) -> (UInt32, Event)? = { args in
            guard args.count == 2, case .uint32(let id) = args[0], case .uint32 = args[1] else { return nil }
            return (id, .closed)
        }
        try follow(Self.server.rawValue, Self.serverPath, Self.serverInterface, "ActionInvoked", action)
        try follow(Self.server.rawValue, Self.serverPath, Self.serverInterface, "NotificationClosed", closed)
        try follow(Service.name.rawValue, Service.path, Service.interface, "NotificationActionInvoked", action)
        try follow(Service.name.rawValue, Service.path, Service.interface, "NotificationClosed", closed)
    }

    deinit { subscriptions.forEach { $0.cancel() } }

    /// Waits until notification `id` is answered or closed; `expireTimeout` > 0 also ends the wait.
    func wait(for id: UInt32, expireTimeout: Int32) {
        self.id = id
        for (earlyID, event) in early where earlyID == id { handle(event) }
        early = []
        var sources: [EventSource] = []
        // A server that leaves takes its notifications with it.
        if let watch = try? connection.watchNameOwner(Self.server, { [weak self] owner in
            if owner == nil { self?.finished = true }
        }) {
            subscriptions.append(watch)
        }
        sources.append(loop.addUnixSignal(SIGINT) { [weak self] in
            printError("Wait cancelled, closing notification")
            self?.close(id)
            self?.finished = true
            return false
        })
        if expireTimeout > 0 {
            sources.append(loop.addTimeout(milliseconds: UInt32(expireTimeout)) { [weak self] in
                printError("Wait timeout expired")
                self?.finished = true
                return false
            })
        }
        while !finished && connection.isConnected {
            loop.run(until: { self.finished }, timeout: 3600)
        }
        sources.forEach { $0.cancel() }
    }

    private func received(_ event: Event, for eventID: UInt32) {
        guard let id else {
            early.append((eventID, event))
            return
        }
        if eventID == id { handle(event) }
    }

    private func handle(_ event: Event) {
        guard !finished, let id else { return }
        switch event {
        case .closed:
            finished = true
        case .action(let key):
            if actionKeys.contains(key) {
                print(key)
                fflush(nil)
                close(id)
                finished = true
            } else if key.asciiLowercased != "default" {
                printError("trainbell: received unknown action \(key)")
            }
        }
    }

    /// `CloseNotification` on the server, as libnotify does after an action; its answer is awaited so that
    /// the request has reached the server before the process ends.
    private func close(_ id: UInt32) {
        let m = Message.methodCall(destination: Self.server, path: Self.serverPath, interface: Self.serverInterface,
                                   member: "CloseNotification")
        m.autoStart = false
        try? m.append([.uint32(id)])
        _ = try? connection.call(m, timeout: 5)
    }
}

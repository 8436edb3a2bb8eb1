import CDBus
import Glibc

/// A private connection to a message bus, owning one `DBusConnection`.
///
/// All handlers run on the thread of the `EventLoop` the connection is attached to.
/// The process never exits on disconnect: `onDisconnect` is called instead.
public final class Connection: @unchecked Sendable {
    // @unchecked Sendable: libdbus connections are internally locked (threads are initialised
    // before the first one is opened); the Swift tables below are only touched on the loop's thread,
    // and blocking calls may come from any thread.
    let raw: OpaquePointer
    var loopGlue: LoopGlue?
    var objects: [ObjectPath: ExportedObject] = [:]
    /// Where the last call of the hot path of `dispatchMethodCall` went (see ``HotMethod``).
    var hotMethod: HotMethod?
    /// Paths of the exported object managers (few), so finding an object's manager is cheap.
    var managerPaths: Set<ObjectPath> = []
    var subscriptions: [UInt64: SignalSubscription] = [:]
    var nextSubscriptionID: UInt64 = 1
    var filterInstalled = false
    private(set) public var isConnected = true
    /// A monitor only observes: it never answers what it sees.
    private(set) public var isMonitor = false

    /// Called once when the bus connection is lost.
    public var onDisconnect: (() -> Void)?
    /// Called on the loop after each batch of messages dispatched from it (a daemon may then tidy up
    /// once the burst is over); keep it cheap.
    public var afterDispatch: (() -> Void)?
    /// Called when this connection loses a well-known name it owned (`NameLost`).
    public var onNameLost: ((String) -> Void)?
    /// Sees every message the filter gets, before anything else (monitors and tests use it).
    public var messageObserver: ((Message) -> Void)?
    /// Called for a method call to a path where nothing is exported, before the default error.
    /// Return true when it was handled.
    public var fallbackHandler: ((Message) -> Bool)?

    // A peer of a `PeerServer`: its calls are dispatched to the host's objects, as far as the policy
    // lets them, and it has no bus behind it.
    /// The connection whose objects a peer's calls reach.
    weak var objectHost: Connection?
    /// What a peer may reach (nil: not a peer).
    var peerPolicy: PeerPolicy?
    private var peerUniqueName: String?
    /// The process connected to a peer's socket, by the kernel's word (0: not a peer).
    public internal(set) var peerProcessID: pid_t = 0
    /// The servers whose peers get this connection's signals.
    var peerServers: [WeakPeerServer] = []

    /// What the owner of a `PeerServer` knows of one of its peers (trainbelld: the host it named).
    public var peerTag: String?

    /// Whether this is a peer of a `PeerServer` (a call from it came through the server's socket).
    public var isPeer: Bool { peerPolicy != nil }

    /// Connects to `address` (a D-Bus server address such as `unix:path=/run/user/1000/bus`) and registers on the bus.
    public init(address: String) throws(BusError) {
        _ = Connection.threadsInitialised
        var error = DBusError()
        dbus_error_init(&error)
        guard let c = dbus_connection_open_private(address, &error) else {
            throw BusError.take(&error, fallback: "cannot connect to the bus at \(address)")
        }
        dbus_connection_set_exit_on_disconnect(c, 0)
        guard dbus_bus_register(c, &error) != 0 else {
            let failure = BusError.take(&error, fallback: "cannot register on the bus at \(address)")
            dbus_connection_close(c)
            dbus_connection_unref(c)
            throw failure
        }
        raw = c
        installFilter()
    }

    /// Connects to the session bus: `DBUS_SESSION_BUS_ADDRESS`, else `unix:path=$XDG_RUNTIME_DIR/bus`.
    public static func session() throws(BusError) -> Connection {
        guard let address = sessionBusAddress() else {
            throw BusError(.failed, "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist")
        }
        return try Connection(address: address)
    }

    /// The system bus address the way libdbus finds it: `DBUS_SYSTEM_BUS_ADDRESS`, else the
    /// well-known socket `/var/run/dbus/system_bus_socket`.
    public static func systemBusAddress(environment: [String: String]? = nil) -> String {
        let variable = environment.map { $0["DBUS_SYSTEM_BUS_ADDRESS"] } ?? getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) }
        if let variable, !variable.isEmpty { return variable }
        return "unix:path=/var/run/dbus/system_bus_socket"
    }

    /// The session bus address the way libdbus and GDBus find it.
    public static func sessionBusAddress(environment: [String: String]? = nil) -> String? {
        func env(_ key: String) -> String? {
            if let environment { return environment[key] }
            return getenv(key).map { String(cString: $0) }
        }
        if let address = env("DBUS_SESSION_BUS_ADDRESS"), !address.isEmpty { return address }
        if let runtime = env("XDG_RUNTIME_DIR"), !runtime.isEmpty {
            let path = runtime + "/bus"
            var st = stat()
            if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK {
                return "unix:path=" + path
            }
        }
        return nil
    }

    /// A connection a `PeerServer` accepted (the caller holds a reference to `raw`, which this takes).
    init(accepted raw: OpaquePointer, host: Connection, policy: PeerPolicy, uniqueName: String) {
        _ = Connection.threadsInitialised
        dbus_connection_set_exit_on_disconnect(raw, 0)
        self.raw = raw
        objectHost = host
        peerPolicy = policy
        peerUniqueName = uniqueName
        installFilter()
    }

    static let threadsInitialised: Bool = dbus_threads_init_default() != 0

    deinit {
        // Nothing may call back into this object once it is gone: a dispatch the loop still has
        // scheduled runs on the (still referenced) libdbus connection and finds no filter.
        if filterInstalled { dbus_connection_remove_filter(raw, Self.filter, Unmanaged.passUnretained(self).toOpaque()) }
        if let loopGlue { loopGlue.detach() }
        if isConnected { dbus_connection_close(raw) }
        dbus_connection_unref(raw)
    }

    /// Closes the connection; further sends fail.
    public func close() {
        guard isConnected else { return }
        dbus_connection_flush(raw)
        dbus_connection_close(raw)
        isConnected = false
    }

    /// This connection's unique name on the bus (`:1.42`).
    public var uniqueName: String {
        if let peerUniqueName { return peerUniqueName }
        return dbus_bus_get_unique_name(raw).map { String(cString: $0) } ?? ""
    }

    /// Sends without waiting; returns the serial. A method call sent this way has no reply handled.
    @discardableResult
    public func send(_ message: Message) throws(BusError) -> UInt32 {
        var serial: UInt32 = 0
        guard dbus_connection_send(raw, message.raw, &serial) != 0 else {
            throw BusError(.disconnected, "cannot send \(message.summary): not connected")
        }
        if !peerServers.isEmpty, message.kind == .signal {
            peerServers.removeAll { $0.server == nil }
            for entry in peerServers { entry.server?.broadcast(message) }
        }
        return serial
    }

    /// Writes everything queued to the socket.
    public func flush() { dbus_connection_flush(raw) }

    /// Whether messages sent are still queued here, not yet written to the socket (the bus has
    /// not read them: it is slow, stopped, or the connection is backed up).
    public var hasMessagesToSend: Bool { dbus_connection_has_messages_to_send(raw) != 0 }

    /// Writes what is queued, waiting at most `timeout` seconds for the socket to take it (`flush`
    /// waits for as long as it takes); returns whether everything was written. Reads what arrives
    /// meanwhile into the incoming queue without dispatching it. Not while the connection's
    /// `EventLoop` runs on another thread.
    @discardableResult
    public func flush(timeout: Double) -> Bool {
        let deadline = MonotonicClock.seconds + max(0, timeout)
        while hasMessagesToSend {
            guard isConnected, dbus_connection_get_is_connected(raw) != 0 else { return false }
            let remaining = deadline - MonotonicClock.seconds
            guard remaining > 0 else { return false }
            let ms = Int32(min(remaining * 1000, 1000).rounded(.up))
            guard dbus_connection_read_write(raw, ms) != 0 else { return false }
        }
        return true
    }

    /// Calls a method and waits for the reply at most `timeout` seconds; an error reply is thrown.
    public func call(_ message: Message, timeout: Double = 25) throws(BusError) -> Message {
        var error = DBusError()
        dbus_error_init(&error)
        let ms = Int32(max(0, min(timeout * 1000, Double(Int32.max))))
        guard let reply = dbus_connection_send_with_reply_and_block(raw, message.raw, ms, &error) else {
            throw BusError.take(&error, fallback: "no reply to \(message.summary)")
        }
        return Message(owning: reply)
    }

    /// Calls a method and waits for its reply; returns the reply's values.
    public func call(destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName,
                     _ arguments: [DBusValue] = [], timeout: Double = 25) throws(BusError) -> [DBusValue] {
        let m = Message.methodCall(destination: destination, path: path, interface: interface, member: member)
        try m.append(arguments)
        return try call(m, timeout: timeout).arguments()
    }

    /// Sends a call with `NO_REPLY_EXPECTED`: fire and forget.
    public func callNoReply(destination: BusName?, path: ObjectPath, interface: InterfaceName?,
                            member: MemberName, _ arguments: [DBusValue] = []) throws(BusError) {
        let m = Message.methodCall(destination: destination, path: path, interface: interface, member: member)
        m.noReplyExpected = true
        try m.append(arguments)
        try send(m)
    }

    /// Calls a method; `reply` runs on the loop when the answer (or an error, or the timeout) arrives.
    /// Needs the connection attached to a running `EventLoop`.
    public func callAsync(_ message: Message, timeout: Double = 25,
                          reply: @escaping (Result<Message, BusError>) -> Void) {
        var pending: OpaquePointer? = nil
        let ms = Int32(max(0, min(timeout * 1000, Double(Int32.max))))
        guard dbus_connection_send_with_reply(raw, message.raw, &pending, ms) != 0, let pending else {
            reply(.failure(BusError(.disconnected, "cannot send \(message.summary): not connected")))
            return
        }
        let box = Unmanaged.passRetained(ReplyBox(reply)).toOpaque()
        let set = dbus_pending_call_set_notify(pending, { pending, data in
            guard let pending, let data else { return }
            let box = Unmanaged<ReplyBox>.fromOpaque(data).takeUnretainedValue()
            guard let m = dbus_pending_call_steal_reply(pending) else {
                box.deliver(.failure(BusError(.noReply, "no reply")))
                return
            }
            let message = Message(owning: m)
            if let error = message.busError { box.deliver(.failure(error)) } else { box.deliver(.success(message)) }
        }, box, { data in
            if let data { Unmanaged<ReplyBox>.fromOpaque(data).release() }
        })
        if set == 0 { Unmanaged<ReplyBox>.fromOpaque(box).release() }
        dbus_pending_call_unref(pending)
    }

    /// `callAsync` with values in and out.
    public func callAsync(destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName,
                          _ arguments: [DBusValue] = [], timeout: Double = 25,
                          reply: @escaping (Result<[DBusValue], BusError>) -> Void) {
        let m = Message.methodCall(destination: destination, path: path, interface: interface, member: member)
        do { try m.append(arguments) } catch { reply(.failure(error)); return }
        callAsync(m, timeout: timeout) { result in
            reply(result.flatMap { message in
                do throws(BusError) { return .success(try message.arguments()) } catch { return .failure(error) }
            })
        }
    }

    /// Emits a signal.
    public func emitSignal(path: ObjectPath, interface: InterfaceName, member: MemberName,
                           _ arguments: [DBusValue] = [], destination: String? = nil) throws(BusError) {
        let m = Message.signal(path: path, interface: interface, member: member)
        if let destination { dbus_message_set_destination(m.raw, destination) }
        try m.append(arguments)
        try send(m)
    }

    /// Handles one message from the filter: signals, local disconnect, method calls to our objects.
    func handle(_ message: Message) -> Bool {
        messageObserver?(message)
        if isMonitor { return true }
        switch message.kind {
        case .signal:
            if message.interface?.rawValue == "org.freedesktop.DBus.Local",
               message.member?.rawValue == "Disconnected" {
                if isConnected {
                    isConnected = false
                    onDisconnect?()
                }
                return true
            }
            // Only the bus itself may say a name was lost (anyone can send a signal to us).
            if message.interface == .bus, message.member?.rawValue == "NameLost",
               message.sender == "org.freedesktop.DBus", message.destination == uniqueName,
               let name = message.firstStringArgument {
                onNameLost?(name)
            }
            // Signals carry no descriptors anyone here wants: they would only leak.
            if message.containsUnixFDs { return false }
            deliverSignal(message)
            return false
        case .methodCall:
            if let peerPolicy, let refusal = answerAsPeerBus(message, policy: peerPolicy) { return refusal }
            return dispatchMethodCall(message)
        default:
            return false
        }
    }

    /// Turns this connection into a monitor (`org.freedesktop.DBus.Monitoring.BecomeMonitor`):
    /// from now on it receives copies of the messages matching `rules` (all when empty) through
    /// `messageObserver`, and must not send anything.
    public func becomeMonitor(_ rules: [String] = []) throws(BusError) {
        _ = try call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                     interface: "org.freedesktop.DBus.Monitoring", member: "BecomeMonitor",
                     [.array(.string, rules.map { .string($0) }), .uint32(0)])
        isMonitor = true
    }

    /// One function for adding and removing the filter (libdbus matches it by pointer and data).
    private static let filter: DBusHandleMessageFunction = { _, message, data in
        guard let message, let data else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
        let connection = Unmanaged<Connection>.fromOpaque(data).takeUnretainedValue()
        return connection.handle(Message(retaining: message))
            ? DBUS_HANDLER_RESULT_HANDLED : DBUS_HANDLER_RESULT_NOT_YET_HANDLED
    }

    func installFilter() {
        dbus_connection_add_filter(raw, Self.filter, Unmanaged.passUnretained(self).toOpaque(), nil)
        filterInstalled = true
    }
}

/// The reply closure of an async call, kept alive by the pending call.
final class ReplyBox {
    let reply: (Result<Message, BusError>) -> Void
    init(_ reply: @escaping (Result<Message, BusError>) -> Void) { self.reply = reply }
    func deliver(_ result: Result<Message, BusError>) { reply(result) }
}

extension BusError {
    /// Takes the name and message out of a set `DBusError` and frees it.
    static func take(_ error: inout DBusError, fallback: String) -> BusError {
        defer { dbus_error_free(&error) }
        guard dbus_error_is_set(&error) != 0 else { return BusError(.failed, fallback) }
        let name = error.name.map { String(cString: $0) } ?? ErrorName.failed.rawValue
        let message = error.message.map { String(cString: $0) } ?? fallback
        return BusError(ErrorName(rawValue: name), message)
    }
}

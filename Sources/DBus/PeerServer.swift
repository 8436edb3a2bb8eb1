import CDBus
import Glibc

/// A peer-to-peer D-Bus server (`dbus_server_listen`) that serves part of the objects of a bus
/// connection, its *host*, with no bus daemon behind it: what a peer can reach through it is
/// exactly ``PeerPolicy/servedPath`` and below, and nothing of the bus the host is on.
///
/// - Only processes of this user may connect: the socket's owner is checked by the kernel's word
///   (`SO_PEERCRED`) on every connection, whatever the authentication mechanism. EXTERNAL is offered,
///   and ANONYMOUS (``PeerPolicy/allowsAnonymous``): through a forwarding `ssh` the peer is a
///   process of another machine whose user id may differ from ours, while the process connected to
///   the socket (`ssh`) is ours.
/// - To a peer the server looks like a tiny bus with one name on it, ``PeerPolicy/busName``: it
///   answers `Hello`, `AddMatch`, `RemoveMatch`, `GetNameOwner`, `NameHasOwner`, `StartServiceByName`
///   and `GetId` of `org.freedesktop.DBus` itself, so bus clients (libdbus, GDBus, jeepney) connect
///   unchanged; every other call to `org.freedesktop.DBus` is refused.
/// - Signals the host's objects emit (broadcast ones, on served paths) are sent to every peer too,
///   from the name's stand-in unique name.
public final class PeerServer: @unchecked Sendable {
    // @unchecked Sendable: the server and its peers are only touched on the loop's thread (libdbus
    // calls the watch and new-connection functions there, from `dbus_watch_handle`).
    let raw: OpaquePointer
    /// The address clients use (`unix:path=…`).
    public let address: String
    public let policy: PeerPolicy
    private weak var host: Connection?
    private var watches: [OpaquePointer: any EventSource] = [:]
    private(set) var peers: [Connection] = []
    private var nextPeer = 1
    private var loop: (any EventLoop)?

    /// Told of each peer that connected (after the credentials check), and that left.
    public var onPeer: ((Connection) -> Void)?
    public var onPeerLeft: ((Connection) -> Void)?
    /// Told of a connection refused, with the reason (for the log).
    public var onRefused: ((String) -> Void)?

    /// The most peers at once; more are refused until one leaves.
    public static let maximumPeers = 64

    /// Listens at `address` (e.g. `unix:path=/run/user/1000/trainbell/bus`).
    public init(listening address: String, serving host: Connection, policy: PeerPolicy) throws(BusError) {
        var error = DBusError()
        dbus_error_init(&error)
        guard let server = dbus_server_listen(address, &error) else {
            throw BusError.take(&error, fallback: "cannot listen at \(address)")
        }
        raw = server
        self.address = dbus_server_get_address(server).map { value in
            defer { dbus_free(value) }
            return String(cString: value)
        } ?? address
        self.policy = policy
        self.host = host
        var mechanisms: [UnsafeMutablePointer<CChar>?] = [strdup("EXTERNAL")]
        if policy.allowsAnonymous { mechanisms.append(strdup("ANONYMOUS")) }
        mechanisms.append(nil)
        defer { mechanisms.forEach { free($0) } }
        mechanisms.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                _ = dbus_server_set_auth_mechanisms(server, $0)
            }
        }
        host.peerServers.append(WeakPeerServer(self))
    }

    deinit {
        disconnect()
        dbus_server_unref(raw)
    }

    /// Stops listening and closes every peer.
    public func disconnect() {
        if dbus_server_get_is_connected(raw) != 0 { dbus_server_disconnect(raw) }
        dbus_server_set_watch_functions(raw, nil, nil, nil, nil, nil)
        dbus_server_set_timeout_functions(raw, nil, nil, nil, nil, nil)
        dbus_server_set_new_connection_function(raw, nil, nil, nil)
        for source in watches.values { source.cancel() }
        watches.removeAll()
        for peer in peers { peer.close() }
        peers.removeAll()
    }

    /// Accepts connections on `loop` (the host's loop).
    public func attach(to loop: any EventLoop) {
        self.loop = loop
        let me = Unmanaged.passUnretained(self).toOpaque()
        dbus_server_set_watch_functions(raw, { watch, data in
            guard let watch, let data else { return 0 }
            Unmanaged<PeerServer>.fromOpaque(data).takeUnretainedValue().addWatch(watch)
            return 1
        }, { watch, data in
            guard let watch, let data else { return }
            Unmanaged<PeerServer>.fromOpaque(data).takeUnretainedValue().removeWatch(watch)
        }, { watch, data in
            guard let watch, let data else { return }
            let server = Unmanaged<PeerServer>.fromOpaque(data).takeUnretainedValue()
            server.removeWatch(watch)
            server.addWatch(watch)
        }, me, nil)
        // A listening socket needs no timeouts; libdbus asks for none, and gets none.
        dbus_server_set_timeout_functions(raw, { _, _ in 1 }, { _, _ in }, { _, _ in }, nil, nil)
        dbus_server_set_new_connection_function(raw, { _, connection, data in
            guard let connection, let data else { return }
            Unmanaged<PeerServer>.fromOpaque(data).takeUnretainedValue().accept(connection)
        }, me, nil)
    }

    private func addWatch(_ watch: OpaquePointer) {
        guard let loop, dbus_watch_get_enabled(watch) != 0 else { return }
        let source = loop.watch(fd: dbus_watch_get_unix_fd(watch), for: .readable) { ready in
            var flags: UInt32 = DBUS_WATCH_READABLE.rawValue
            if ready.contains(.hangup) { flags |= DBUS_WATCH_HANGUP.rawValue }
            if ready.contains(.error) { flags |= DBUS_WATCH_ERROR.rawValue }
            dbus_watch_handle(watch, flags)
        }
        watches[watch] = source
    }

    private func removeWatch(_ watch: OpaquePointer) {
        watches.removeValue(forKey: watch)?.cancel()
    }

    /// A new connection: kept only when the kernel says it is ours, and while there is room.
    private func accept(_ raw: OpaquePointer) {
        var fd: Int32 = -1
        var credentials = (uid: UInt32(0), pid: Int32(0))
        guard dbus_connection_get_socket(raw, &fd) != 0, tb_socket_peer(fd, &credentials.uid, &credentials.pid) == 0 else {
            onRefused?("a connection whose owner cannot be read")
            dbus_connection_close(raw)
            return
        }
        guard credentials.uid == getuid() else {
            onRefused?("a connection of user id \(credentials.uid) (pid \(credentials.pid)): only user id \(getuid()) may connect")
            dbus_connection_close(raw)
            return
        }
        guard peers.count < Self.maximumPeers else {
            onRefused?("a connection of pid \(credentials.pid): \(Self.maximumPeers) peers are connected already")
            dbus_connection_close(raw)
            return
        }
        if policy.allowsAnonymous { dbus_connection_set_allow_anonymous(raw, 1) }
        dbus_connection_ref(raw)
        guard let host, let loop else {
            dbus_connection_close(raw)
            dbus_connection_unref(raw)
            return
        }
        let peer = Connection(accepted: raw, host: host, policy: policy, uniqueName: ":\(policy.uniqueNamePrefix).\(nextPeer)")
        peer.peerProcessID = credentials.pid
        nextPeer += 1
        peers.append(peer)
        peer.onDisconnect = { [weak self, weak peer] in
            guard let self, let peer else { return }
            self.peers.removeAll { $0 === peer }
            self.onPeerLeft?(peer)
        }
        peer.attach(to: loop)
        onPeer?(peer)
    }

    /// Sends a copy of `signal` (emitted by the host) to every peer, when the policy serves it.
    func broadcast(_ signal: Message) {
        guard !peers.isEmpty, signal.destination == nil, let path = signal.path, policy.serves(path) else { return }
        for peer in peers where peer.isConnected {
            guard let copy = dbus_message_copy(signal.raw) else { continue }
            let message = Message(owning: copy)
            dbus_message_set_sender(copy, policy.ownerName)
            _ = try? peer.send(message)
        }
    }
}

/// What a ``PeerServer`` lets its peers reach.
public struct PeerPolicy: Sendable {
    /// The well-known name a peer sees on its "bus" (the host's service).
    public var busName: String
    /// The objects served: this path and those below it.
    public var servedPath: ObjectPath
    /// Whether ANONYMOUS authentication is offered (the socket's owner is checked all the same).
    public var allowsAnonymous: Bool
    /// The first element of the unique names given to peers and to the served name (`:prefix.N`).
    public var uniqueNamePrefix: String

    public init(busName: String, servedPath: ObjectPath, allowsAnonymous: Bool = true, uniqueNamePrefix: String = "peer") {
        self.busName = busName
        self.servedPath = servedPath
        self.allowsAnonymous = allowsAnonymous
        self.uniqueNamePrefix = uniqueNamePrefix
    }

    /// The unique name that owns ``busName``, as peers see it.
    public var ownerName: String { ":\(uniqueNamePrefix).0" }

    /// Whether `path` is served.
    public func serves(_ path: ObjectPath) -> Bool {
        path == servedPath || path.isDescendant(of: servedPath)
    }
}

/// The host's reference to a server, which the host does not keep alive.
final class WeakPeerServer {
    weak var server: PeerServer?
    init(_ server: PeerServer) { self.server = server }
}

import DBus
import Glibc
import Logging

/// trainbell's own socket, `$XDG_RUNTIME_DIR/trainbell/bus`: peer-to-peer D-Bus with no bus daemon
/// behind it, serving `org.trainbell.TrainBell1` and the job objects and nothing else of the session
/// (a ``PeerServer`` hosted by the session connection). It is what `trainbell ssh` forwards to a
/// remote host: forwarding the session bus would give the host everything.
///
/// The directory is 0700 and the socket 0600, and the server takes only connections of this user
/// (by the kernel's word). A socket left by a trainbelld that died is replaced; one that answers
/// (another trainbelld with the same runtime directory on another bus) is left alone, and this
/// daemon then has no socket of its own. Nothing runs while no peer is connected: the listening
/// socket is one descriptor watched by the main loop.
final class PeerSocket {
    private let connection: Connection
    private let loop: any EventLoop
    private let log: Logger
    private var server: PeerServer?
    /// The socket's path while it is listening.
    private(set) var path: String?

    /// Told of each peer that connects and leaves (for the log and, later, the origin of its jobs).
    var onPeer: ((Connection) -> Void)?

    /// The socket's directory for a runtime directory.
    static func directory(runtime: String) -> String { runtime + "/trainbell" }
    /// The socket's path for a runtime directory.
    static func socketPath(runtime: String) -> String { directory(runtime: runtime) + "/bus" }

    init(connection: Connection, loop: any EventLoop, log: Logger) {
        self.connection = connection
        self.loop = loop
        self.log = log
    }

    /// Listens, when the session has a runtime directory; says in the log why not otherwise.
    func start(runtimeDirectory: String?) {
        guard let runtime = runtimeDirectory, runtime.hasPrefix("/") else {
            log.info("no peer socket: XDG_RUNTIME_DIR is not set (trainbell ssh needs it)")
            return
        }
        let path = Self.socketPath(runtime: runtime)
        do {
            try Self.prepareDirectory(Self.directory(runtime: runtime))
            guard try Self.clearStaleSocket(path) else {
                log.warning("no peer socket: \(path) answers already (another trainbelld uses this runtime directory)")
                return
            }
            let policy = PeerPolicy(busName: BusInterface.busName.rawValue, servedPath: BusInterface.path, uniqueNamePrefix: "trainbell")
            let previous = umask(0o177)
            defer { umask(previous) }
            let server = try PeerServer(listening: "unix:path=" + path, serving: connection, policy: policy)
            chmod(path, 0o600)
            server.onRefused = { [log] reason in log.warning("peer socket: refused \(reason)") }
            server.onPeer = { [log, weak self] peer in
                log.info("peer socket: pid \(peer.peerProcessID) connected as \(peer.uniqueName)")
                self?.onPeer?(peer)
            }
            server.onPeerLeft = { [log] peer in log.info("peer socket: \(peer.uniqueName) left") }
            server.attach(to: loop)
            self.server = server
            self.path = path
            log.info("peer socket: listening at \(path)")
        } catch let error as BusError {
            log.warning("no peer socket at \(path): \(error.message)")
        } catch {
            log.warning("no peer socket at \(path): \(error)")
        }
    }

    /// Stops listening and removes the socket.
    func stop() {
        server?.disconnect()
        server = nil
        if let path { unlink(path) }
        path = nil
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    /// Makes `directory` 0700 and ours, or says why it cannot be used.
    static func prepareDirectory(_ directory: String) throws(SetupError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SetupError(description: "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard lstat(directory, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw SetupError(description: "\(directory) is not a directory")
        }
        guard st.st_uid == getuid() else {
            throw SetupError(description: "\(directory) belongs to user id \(st.st_uid), not to us (\(getuid()))")
        }
        if st.st_mode & 0o777 != 0o700 { chmod(directory, 0o700) }
    }

    /// Removes a socket at `path` that nothing answers on; false when something does.
    static func clearStaleSocket(_ path: String) throws(SetupError) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return true }
        guard st.st_mode & S_IFMT == S_IFSOCK else {
            throw SetupError(description: "\(path) exists and is not a socket; remove it")
        }
        if UnixSocket.answers(path) { return false }
        unlink(path)
        return true
    }
}

import DBus
import Glibc

/// Where a client reaches trainbelld (DESIGN.md section 10): `TRAINBELL_ADDRESS` when set, else the
/// desktop's socket forwarded to this host by `trainbell ssh` (or a `RemoteForward` line of
/// `~/.ssh/config`) when it exists and answers, else the session bus.
public struct TrainBellAddress: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// `TRAINBELL_ADDRESS`.
        case given
        /// A desktop's trainbell socket forwarded over SSH.
        case forwarded
        /// The session bus.
        case session
    }

    public var address: String
    public var kind: Kind

    public init(address: String, kind: Kind) {
        self.address = address
        self.kind = kind
    }

    /// The file name of the forwarded socket in its directory.
    public static let forwardedName = "desktop"

    /// Where the forwarded socket is looked for, in order: `$XDG_RUNTIME_DIR/trainbell/desktop`, then
    /// `~/.cache/trainbell/desktop` (for hosts whose sessions have no runtime directory).
    public static func forwardedCandidates(environment: (String) -> String?) -> [String] {
        var paths: [String] = []
        if let runtime = environment("XDG_RUNTIME_DIR"), runtime.hasPrefix("/") {
            paths.append(runtime + "/trainbell/" + forwardedName)
        }
        if let home = environment("HOME"), home.hasPrefix("/") {
            paths.append((home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.cache/trainbell/" + forwardedName)
        }
        return paths
    }

    /// The address to use, or nil when there is none (no `TRAINBELL_ADDRESS`, no forwarded socket
    /// that answers, no session bus).
    public static func find(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> TrainBellAddress? {
        if let given = environment("TRAINBELL_ADDRESS"), !given.isEmpty {
            return TrainBellAddress(address: given, kind: .given)
        }
        for path in forwardedCandidates(environment: environment) where UnixSocket.answers(path) {
            return TrainBellAddress(address: "unix:path=" + path, kind: .forwarded)
        }
        var variables: [String: String] = [:]
        for name in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] { variables[name] = environment(name) }
        return Connection.sessionBusAddress(environment: variables).map { TrainBellAddress(address: $0, kind: .session) }
    }

    /// Connects to trainbelld's address; the error says which address was tried and why there was none.
    public static func connect() throws(BusError) -> Connection {
        guard let found = find() else {
            throw BusError(.failed, "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist (nor TRAINBELL_ADDRESS, nor a forwarded trainbell socket)")
        }
        do {
            let connection = try Connection(address: found.address)
            // Through a forwarded socket the desktop learns where these jobs run (and keeps them apart
            // from another host's jobs of the same id).
            if found.kind == .forwarded, let host = localHostName() {
                _ = try? TrainBellClient(connection: connection).call(TrainBell1.identifyHost, host, timeout: 5)
            }
            return connection
        } catch {
            switch found.kind {
            case .given: throw BusError(error.name, "TRAINBELL_ADDRESS=\(found.address): \(error.message)")
            case .forwarded: throw BusError(error.name, "the forwarded trainbell socket \(found.address): \(error.message)")
            case .session: throw error
            }
        }
    }

    /// This machine's name for a desktop it reports to: `TRAINBELL_HOST` when set, else the host name
    /// up to its first dot (what a prompt shows: gpu-07, not gpu-07.cluster.example.org).
    public static func localHostName(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> String? {
        if let given = environment("TRAINBELL_HOST"), !given.isEmpty { return given }
        var buffer = [UInt8](repeating: 0, count: 256)
        let rc = buffer.withUnsafeMutableBytes { raw in gethostname(raw.baseAddress!.assumingMemoryBound(to: CChar.self), 255) }
        guard rc == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        let short = name.split(separator: ".").first.map(String.init) ?? name
        return short.isEmpty ? nil : short
    }
}

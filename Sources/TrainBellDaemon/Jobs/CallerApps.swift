import DBus
import TrainBellCore
import TrainBellDesktop

/// The app of each caller on the bus: its systemd scope or launch environment, when a desktop file
/// exists for it (`AppIDResolver`). Kept per unique name (a caller's pid does not change while it is
/// connected), at most `capacity` of them.
final class CallerApps {
    static let capacity = 256

    private let connection: Connection
    private let resolver: AppIDResolver
    private var known: [String: String?] = [:]
    /// Callers whose lookup is in flight, with what waits for its answer: a burst of new jobs from one
    /// caller makes one lookup, not one a job.
    private var pending: [String: [(String) -> Void]] = [:]
    /// The most jobs that wait for one caller's lookup (others get the app at their next start).
    static let maximumWaiting = 256

    init(connection: Connection, resolver: AppIDResolver) {
        self.connection = connection
        self.resolver = resolver
    }

    /// The app of `caller`. With `wait`, looked up at once: the caller waits for its answer (as
    /// `StartJob`'s does), so its process is still there to read — a short call to the bus daemon,
    /// not to a peer. Without, the lookup runs in the background: nil now, and `later` gets the app
    /// when the answer comes (and the caller had one).
    func app(of caller: String, wait: Bool, later: @escaping (String) -> Void = { _ in }) -> String? {
        guard !caller.isEmpty else { return nil }
        if let app = known[caller] { return app }
        if wait {
            guard let pid = connection.processID(of: caller) else { return nil }
            return remember(caller, resolver.resolve(pid: pid)?.appID)
        }
        if pending[caller] != nil {
            if pending[caller, default: []].count < Self.maximumWaiting { pending[caller, default: []].append(later) }
            return nil
        }
        if pending.count >= Self.capacity { return nil }  // lookups in flight for that many callers: none more
        pending[caller] = [later]
        connection.callAsync(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: .bus,
                             member: "GetConnectionUnixProcessID", [.string(caller)], timeout: 5) { [weak self] result in
            guard let self else { return }
            let waiting = self.pending.removeValue(forKey: caller) ?? []
            guard case .uint32(let pid)? = (try? result.get())?.first else { return }
            if let app = self.remember(caller, self.resolver.resolve(pid: pid)?.appID) { waiting.forEach { $0(app) } }
        }
        return nil
    }

    /// Whether a dock can show `appID` (a desktop file is installed for it), and when not, the
    /// installed ids closest to it.
    func check(_ appID: String) -> (installed: Bool, suggestions: [String]) {
        let index = resolver.desktopFiles
        if index.contains(appID) { return (true, []) }
        return (false, AppIDSuggestions.closest(to: appID, among: index.installedIDs()))
    }

    private func remember(_ caller: String, _ app: String?) -> String? {
        if known.count >= Self.capacity { known.removeAll() }
        known[caller] = .some(app)
        return app
    }
}

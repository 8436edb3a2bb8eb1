/// A desktop entry id a process may belong to, and where it was read.
public struct AppIDCandidate: Sendable, Hashable, CustomStringConvertible {
    /// Where an id was read.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// From a systemd unit in the process's cgroup path.
        case cgroup(unit: String)
        /// From a variable of the process's environment.
        case environment(variable: String)

        public var description: String {
            switch self {
            case .cgroup(let unit): "cgroup unit \(unit)"
            case .environment(let variable): "environment variable \(variable)"
            }
        }
    }

    /// The desktop entry id, without `.desktop`.
    public var appID: String
    /// Where it was read.
    public var source: Source

    /// A candidate.
    public init(appID: String, source: Source) {
        self.appID = appID
        self.source = source
    }

    public var description: String { "\(appID) (\(source))" }
}

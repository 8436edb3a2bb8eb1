/// How the history is kept, as the daemon reports it (the `HistoryState` property, the log,
/// `trainbell status`). Whatever the state, every notification is delivered.
public enum HistoryState: Sendable, Hashable, CustomStringConvertible {
    /// In its file, as usual.
    case ok
    /// The file was corrupt: it was renamed to `movedAside` (with its `-wal` and `-shm`), and a new,
    /// empty history was started in its place.
    case recovered(movedAside: String)
    /// Kept in memory only, lost when the daemon stops; `reason` says why the file cannot be used
    /// (a directory that cannot be written, a file of a newer trainbelld, which is left as it is).
    case memoryOnly(reason: String)

    /// One line: `ok`, `recovered: moved the corrupt file to …`, `in-memory: cannot write …`.
    public var description: String {
        switch self {
        case .ok: "ok"
        case .recovered(let movedAside): "recovered: moved the corrupt file to \(movedAside); a new history was started"
        case .memoryOnly(let reason): "in-memory: \(reason); the history is lost when trainbelld stops"
        }
    }

    /// Whether the history is kept in its file.
    public var isOK: Bool { self == .ok }
}

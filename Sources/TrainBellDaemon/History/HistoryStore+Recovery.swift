import Glibc

/// Opening the history without failing: a history that cannot be used never keeps a notification
/// back (degrade, don't die).
extension HistoryStore {
    /// Opens the history at `path` as ``init(path:)`` does; when that fails, degrades and says how:
    ///
    /// - a corrupt file (not an SQLite database, damaged pages found at open or at the first read,
    ///   tables of something else) is renamed `<path>.corrupt-<UTC time>` (e.g.
    ///   `history.sqlite3.corrupt-20261202T171500Z`, with its `-wal` and `-shm`) and an empty
    ///   history is started in its place: ``HistoryState/recovered(movedAside:)``;
    /// - a file written by a newer trainbelld is left as it is, and so is a file or a directory
    ///   that cannot be written: the history is kept in memory,
    ///   ``HistoryState/memoryOnly(reason:)``.
    ///
    /// - Parameters:
    ///   - now: The time, in microseconds since the Unix epoch, for the name of a file moved aside.
    ///   - maximumBytes: The size bound (``maximumBytes``); a history in memory keeps at most
    ///     ``maximumBytesInMemory``.
    /// - Throws: Only when not even a history in memory can be made (no memory left).
    static func open(path: String, now: Int64, maximumBytes: Int64? = nil) throws(HistoryError)
        -> (store: HistoryStore, state: HistoryState)
    {
        let (store, state) = try openOrDegrade(path: path, now: now, maximumBytes: maximumBytes)
        store.maximumBytes = maximumBytes
        return (store, state)
    }

    private static func openOrDegrade(path: String, now: Int64, maximumBytes: Int64?) throws(HistoryError)
        -> (store: HistoryStore, state: HistoryState)
    {
        let failure: HistoryError
        do {
            return (try HistoryStore(path: path, maximumBytes: maximumBytes), .ok)
        } catch {
            failure = error
        }
        switch failure.kind {
        case .corrupt:
            let aside: String
            do {
                aside = try moveAside(path, now: now)
            } catch {
                return (try inMemory(), .memoryOnly(reason: "\(failure.message); and it cannot be moved aside: \(error.message)"))
            }
            do {
                return (try HistoryStore(path: path, maximumBytes: maximumBytes), .recovered(movedAside: aside))
            } catch {
                return (try inMemory(), .memoryOnly(reason: "moved the corrupt file to \(aside), then \(error.message)"))
            }
        case .newerVersion:
            return (try inMemory(), .memoryOnly(reason: "\(failure.message); the file is left as it is"))
        default:
            return (try inMemory(), .memoryOnly(reason: failure.message))
        }
    }

    /// Renames the database at `path` and its `-wal` and `-shm` files to `<path>.corrupt-<UTC time>`
    /// (`-2`, `-3`, … appended when that name is taken); returns the new name of the database.
    static func moveAside(_ path: String, now: Int64) throws(HistoryError) -> String {
        let base = path + ".corrupt-" + utcStamp(microseconds: now)
        var aside = base
        var suffix = 2
        while Glibc.access(aside, F_OK) == 0 || Glibc.access(aside + "-wal", F_OK) == 0 {
            aside = base + "-\(suffix)"
            suffix += 1
        }
        guard rename(path, aside) == 0 else {
            let code = errno
            throw HistoryError(
                "cannot rename \(path) to \(aside): \(String(cString: strerror(code)))", kind: HistoryError.kind(ofErrno: code))
        }
        for companion in ["-wal", "-shm"] where rename(path + companion, aside + companion) != 0 && errno != ENOENT {
            // The database is aside already; a log left behind would be applied to no file of ours
            // (SQLite ignores a log whose salt does not match), so remove it.
            unlink(path + companion)
        }
        return aside
    }

    /// `20261202T171500Z`: the UTC time of `microseconds` since the epoch, in ISO 8601's basic
    /// format.
    static func utcStamp(microseconds: Int64) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return String(microseconds / 1_000_000) }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y%m%dT%H%M%SZ", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

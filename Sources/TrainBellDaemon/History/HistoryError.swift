import GRDB

/// A failure of the history store, for a person: what failed, why, and the
/// database file it concerns, e.g. `cannot open the history database
/// /home/u/.local/state/trainbell/history.sqlite3: the file is corrupt or is
/// not an SQLite database (SQLite error 26: file is not a database); move it
/// away to start an empty history`.
struct HistoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed, where and why, as one sentence.
    let message: String

    /// Creates an error with a message for a person.
    init(_ message: String) {
        self.message = message
    }

    /// Wraps the error of SQLite, of the file system or of decoding a stored
    /// value.
    ///
    /// The message reads `<failure> the history database <path>: <reason>`.
    ///
    /// - Parameters:
    ///   - failure: What failed, ending with the preposition that leads to
    ///     the file, e.g. `cannot save job "mnist" in`, `cannot open`.
    ///   - path: The database file (`(in memory)` for an in-memory store).
    ///   - cause: The underlying error.
    init(_ failure: String, path: String, cause: any Error) {
        if let error = cause as? HistoryError {
            self = error
            return
        }
        self.message = "\(failure) the history database \(path): \(Self.reason(cause))"
    }

    var description: String { message }

    /// A short explanation of `cause`, with advice where there is any.
    static func reason(_ cause: any Error) -> String {
        guard let error = cause as? DatabaseError else {
            return "\(cause)"
        }
        let sqlite = "SQLite error \(error.extendedResultCode.rawValue): \(error.message ?? "unknown")"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return "the file is corrupt or is not an SQLite database (\(sqlite)); "
                + "move it away to start an empty history"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return "the database is not writable (\(sqlite)); check the permissions of the file and its directory"
        case .SQLITE_CANTOPEN:
            return "the file cannot be opened (\(sqlite)); check that its directory exists and is writable"
        case .SQLITE_FULL:
            return "the disk is full (\(sqlite))"
        case .SQLITE_IOERR:
            return "reading or writing the file failed (\(sqlite))"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the database is locked by another process (\(sqlite))"
        default:
            return sqlite
        }
    }
}

/// A stored value that the store cannot turn back into a domain value (an
/// unknown enum case, an invalid job id, a malformed list): the file was
/// damaged or written by something else.
struct HistoryCorruptValue: Error, CustomStringConvertible {
    /// What is wrong, naming the table, the row and the value.
    let description: String
}

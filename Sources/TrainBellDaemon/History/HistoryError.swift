import CSQLite
import Glibc

/// A failure of the history store, for a person: what failed, why, and the
/// database file it concerns, e.g. `cannot open the history database
/// /home/u/.local/state/trainbell/history.sqlite3: the file is corrupt or is
/// not an SQLite database (SQLite error 26: file is not a database); move it
/// away to start an empty history`; and, for the program, its ``kind``.
///
/// Every method of ``HistoryStore`` that reads or writes throws this type
/// only, so a caller can log it and go on (a full disk, say) or decide by
/// ``kind`` (``HistoryStore/open(path:now:)`` moves a corrupt file aside).
struct HistoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is, whatever the message says.
    enum Kind: String, Sendable, Hashable {
        /// The file is not an SQLite database, or is damaged (`SQLITE_NOTADB`,
        /// `SQLITE_CORRUPT`), or holds tables that are not a trainbell history.
        case corrupt
        /// The file was written by a newer trainbelld (a higher schema version).
        case newerVersion
        /// The file or its directory cannot be created or written
        /// (`SQLITE_READONLY`, `SQLITE_CANTOPEN`, `SQLITE_PERM`, `EACCES`,
        /// `EROFS`, a parent that is not a directory, …).
        case notWritable
        /// The disk is full (`SQLITE_FULL`, `ENOSPC`).
        case diskFull
        /// Reading or writing the file failed (`SQLITE_IOERR`).
        case inputOutput
        /// Another process holds the database locked past the busy timeout.
        case busy
        /// The store was closed.
        case closed
        /// A stored value cannot be turned back into a domain value.
        case invalidValue
        /// Anything else.
        case other
    }

    /// What failed, where and why, as one sentence.
    let message: String
    /// The kind of failure.
    let kind: Kind

    /// Creates an error with a message for a person.
    init(_ message: String, kind: Kind = .other) {
        self.message = message
        self.kind = kind
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
        self.kind = Self.kind(of: cause)
    }

    var description: String { message }

    /// The kind of `cause`.
    static func kind(of cause: any Error) -> Kind {
        if cause is HistoryCorruptValue { return .invalidValue }
        guard let error = cause as? SQLiteError else { return .other }
        switch error.code {
        case SQLITE_NOTADB, SQLITE_CORRUPT: return .corrupt
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH, SQLITE_CANTOPEN: return .notWritable
        case SQLITE_FULL: return .diskFull
        case SQLITE_IOERR: return .inputOutput
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        default: return .other
        }
    }

    /// The kind of an `errno` of the file system.
    static func kind(ofErrno code: Int32) -> Kind {
        switch code {
        case ENOSPC, EDQUOT: .diskFull
        case EIO: .inputOutput
        default: .notWritable
        }
    }

    /// A short explanation of `cause`, with advice where there is any.
    static func reason(_ cause: any Error) -> String {
        guard let error = cause as? SQLiteError else {
            return "\(cause)"
        }
        let sqlite = error.description
        switch error.code {
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            return "the file is corrupt or is not an SQLite database (\(sqlite)); "
                + "move it away to start an empty history"
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH:
            return "the database is not writable (\(sqlite)); check the permissions of the file and its directory"
        case SQLITE_CANTOPEN:
            return "the file cannot be opened (\(sqlite)); check that its directory exists and is writable"
        case SQLITE_FULL:
            return "the disk is full (\(sqlite))"
        case SQLITE_IOERR:
            return "reading or writing the file failed (\(sqlite))"
        case SQLITE_BUSY, SQLITE_LOCKED:
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

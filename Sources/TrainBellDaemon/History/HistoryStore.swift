import Foundation
import GRDB
import TrainBellCore

/// The daemon's persistent memory: the notification history and the state of
/// every job, in one SQLite database (normally
/// `$XDG_STATE_HOME/trainbell/history.sqlite3`) accessed through GRDB.
///
/// - Durability: the database is in WAL mode with `synchronous = NORMAL`.
///   Every method that writes commits before it returns, so what it wrote
///   survives the daemon being killed (SIGKILL, a crash); only a power loss or
///   an operating-system crash may lose the last transactions (never corrupt
///   the file).
/// - Threads: the methods are synchronous and meant to be called from the
///   daemon's one main-loop thread; the class is not `Sendable`.
/// - Errors: every method throws a ``HistoryError`` that says what failed and
///   names the file.
///
/// The pieces: the schema in `HistoryStore+Schema.swift`, jobs in
/// `HistoryStore+Jobs.swift`, notification records and retention in
/// `HistoryStore+Records.swift`, the limits on stored text in
/// `HistoryStore+StoredText.swift`.
final class HistoryStore {
    /// The database file, or `(in memory)`.
    let path: String

    /// The one connection, serialized by GRDB.
    let database: DatabaseQueue

    /// Whether ``close()`` was called; every access then throws.
    private(set) var isClosed = false

    /// Encodes notification actions (kept to avoid making one per record).
    let actionEncoder = JSONEncoder()

    /// Decodes notification actions.
    let actionDecoder = JSONDecoder()

    /// Opens (creating when needed) the database at `path` and brings its
    /// schema up to date.
    ///
    /// Missing parent directories are created with mode 0700, as the XDG
    /// base directory specification asks; a new database file gets mode 0600
    /// (the history holds the text of training errors).
    ///
    /// - Throws: A ``HistoryError`` when the directory or the file cannot be
    ///   created or written, the file is not an SQLite database or is
    ///   corrupt, or it was written by a newer trainbelld.
    init(path: String) throws(HistoryError) {
        self.path = path
        try Self.makeParentDirectories(of: path)
        try Self.createFileIfMissing(path)
        var configuration = GRDB.Configuration()
        configuration.label = "trainbell.history"
        // WAL, and `synchronous = NORMAL` with it (GRDB's `setUpWALMode`).
        configuration.journalMode = .wal
        // Another process (`sqlite3`, a second daemon) may hold the lock a moment.
        configuration.busyMode = .timeout(1)
        do {
            self.database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw HistoryError("cannot open", path: path, cause: error)
        }
        try migrate()
    }

    /// Opens an empty store kept in memory only (for tests).
    private init(inMemoryWithLabel label: String) throws(HistoryError) {
        self.path = "(in memory)"
        var configuration = GRDB.Configuration()
        configuration.label = label
        do {
            self.database = try DatabaseQueue(configuration: configuration)
        } catch {
            throw HistoryError("cannot open", path: path, cause: error)
        }
        try migrate()
    }

    /// An empty store that lives in memory and disappears with the object.
    static func inMemory() throws(HistoryError) -> HistoryStore {
        try HistoryStore(inMemoryWithLabel: "trainbell.history.memory")
    }

    /// Closes the database: the write-ahead log is checkpointed into the
    /// file. Using the store afterwards throws. Dropping the last reference
    /// closes it too.
    func close() throws(HistoryError) {
        guard !isClosed else { return }
        do {
            try database.close()
        } catch {
            throw HistoryError("cannot close", path: path, cause: error)
        }
        isClosed = true
    }

    // MARK: - Access

    /// Runs `body` on the connection without a transaction (one statement is
    /// atomic by itself), turning any failure into a ``HistoryError``.
    ///
    /// - Parameter failure: What failed, for the error message.
    func access<T>(
        _ failure: @autoclosure () -> String, _ body: (Database) throws -> T
    ) throws(HistoryError) -> T {
        guard !isClosed else {
            throw HistoryError("\(failure()) the history database \(path): the store was closed")
        }
        do {
            return try database.inDatabase(body)
        } catch {
            throw HistoryError(failure(), path: path, cause: error)
        }
    }

    /// Runs `body` in one write transaction, turning any failure into a
    /// ``HistoryError``; nothing of `body` is kept when it throws.
    ///
    /// - Parameter failure: What failed, for the error message.
    func transaction<T>(
        _ failure: @autoclosure () -> String, _ body: (Database) throws -> T
    ) throws(HistoryError) -> T {
        guard !isClosed else {
            throw HistoryError("\(failure()) the history database \(path): the store was closed")
        }
        do {
            return try database.write(body)
        } catch {
            throw HistoryError(failure(), path: path, cause: error)
        }
    }

    // MARK: - Files

    /// Creates the missing directories above `path`, each with mode 0700
    /// (existing ones are left as they are).
    static func makeParentDirectories(of path: String) throws(HistoryError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = path[..<slash]
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 {
                let code = errno
                if code != EEXIST {
                    throw HistoryError(
                        "cannot create the directory \(prefix) for the history database \(path): "
                            + String(cString: strerror(code)))
                }
            }
            prefix += "/"
        }
    }

    /// Creates an empty database file with mode 0600 unless one exists, and
    /// checks that the file can be opened for writing: SQLite would open a
    /// read-only file read-only and fail only at the first write.
    static func createFileIfMissing(_ path: String) throws(HistoryError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            let advice = code == EACCES || code == EROFS ? "; check the permissions of the file and its directory" : ""
            throw HistoryError(
                "cannot open the history database \(path) for writing: \(String(cString: strerror(code)))\(advice)")
        }
        closeFileDescriptor(descriptor)
    }
}

/// `close(2)`, out of reach of ``HistoryStore/close()`` inside the class.
private func closeFileDescriptor(_ descriptor: Int32) {
    close(descriptor)
}

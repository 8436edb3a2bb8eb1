import Glibc
import TrainBellCore

/// The daemon's persistent memory: the notification history and the state of
/// every job, in one SQLite database (normally
/// `$XDG_STATE_HOME/trainbell/history.sqlite3`) accessed through the system
/// libsqlite3 (``Database``, ``Statement``).
///
/// - Durability: the database is in WAL mode with `synchronous = NORMAL`.
///   Every method that writes commits before it returns, so what it wrote
///   survives the daemon being killed (SIGKILL, a crash); only a power loss or
///   an operating-system crash may lose the last transactions (never corrupt
///   the file).
/// - Bounds: ``prune(maxRecords:maxAge:now:)`` applies the count and age
///   bounds; the size bound, ``maximumBytes``, is kept by every
///   ``append(_:)`` as well.
/// - Threads: the methods are synchronous and meant to be called from the
///   daemon's one main-loop thread; the class is not `Sendable`. No method
///   reads more than it returns: a reply is measured from the size column
///   (``replyWindow(jobID:limit:budget:)``) and read a page at a time
///   (``records(jobID:from:through:limit:budget:)``), and a message is read
///   only with its record, or alone (``message(ofRecord:)``).
/// - Errors: every method throws a ``HistoryError`` that says what failed and
///   names the file, with a ``HistoryError/Kind`` for the program.
///
/// ``open(path:now:)`` opens the file or degrades (a corrupt file moved
/// aside, or a history in memory) and never fails; ``init(path:)`` fails.
///
/// The pieces: the schema in `HistoryStore+Schema.swift`, jobs in
/// `HistoryStore+Jobs.swift`, notification records and retention in
/// `HistoryStore+Records.swift`, the limits on stored text in
/// `HistoryStore+StoredText.swift`, opening without failing in
/// `HistoryStore+Recovery.swift`.
final class HistoryStore {
    /// The database file, or `(in memory)`.
    let path: String

    /// The one connection.
    let database: Database

    /// Whether ``close()`` was called; every access then throws.
    var isClosed: Bool { database.isClosed }

    /// The most bytes the records may count for (their ``recordOverhead``
    /// and the UTF-8 bytes of their messages and titles); the oldest go
    /// first. nil for no bound.
    ///
    /// ``append(_:)`` keeps it: when a record would pass it, the oldest
    /// records are deleted down to 7/8 of it in the same transaction (so not
    /// at every append), and their pages are reused by the next ones. The
    /// file stays a little larger than this: job rows, indexes and free pages.
    ///
    /// A history in memory keeps ``maximumBytesInMemory`` at most, whatever
    /// is set: it is the daemon's own memory then.
    /// The most records kept (`[history] max-records`), applied as records are added; nil for no bound.
    var maximumRecords: Int?

    var maximumBytes: Int64? {
        didSet {
            if isInMemory { maximumBytes = min(maximumBytes ?? Self.maximumBytesInMemory, Self.maximumBytesInMemory) }
        }
    }

    /// The size bound of a history kept in memory: 16 MiB.
    static let maximumBytesInMemory: Int64 = 16 << 20

    /// Whether the database is in memory (``inMemory()``, or a degraded
    /// ``open(path:now:maximumBytes:)``).
    var isInMemory: Bool { database.path == ":memory:" }

    /// What the stored records count for, in bytes (see ``maximumBytes``).
    private(set) var storedBytes: Int64 = 0

    /// The id the next record gets (``reserveRecordID()``), read from the file when first asked.
    var nextRecordID: Int64?

    /// The page size of SQLite, for the size of the file.
    private(set) var pageSize: Int64 = 4096

    /// Opens (creating when needed) the database at `path` and brings its
    /// schema up to date.
    ///
    /// Missing parent directories are created with mode 0700, as the XDG
    /// base directory specification asks; a new database file gets mode 0600
    /// (the history holds the text of training errors). The file is then
    /// read (every record's size, the job rows' count): a file damaged there
    /// fails here, not at the first notification.
    ///
    /// - Parameter maximumBytes: The size bound (``maximumBytes``). A file of
    ///   an older schema is migrated with only the newest records within it:
    ///   the others would go at the first append anyway, and a file of a GB
    ///   (issue 18, defect 4) is not copied whole at start.
    /// - Throws: A ``HistoryError`` when the directory or the file cannot be
    ///   created or written (``HistoryError/Kind/notWritable``), the file is
    ///   not an SQLite database or is corrupt (`corrupt`), or it was written
    ///   by a newer trainbelld (`newerVersion`).
    init(path: String, maximumBytes: Int64? = nil) throws(HistoryError) {
        self.path = path
        self.maximumBytes = maximumBytes
        try Self.makeParentDirectories(of: path)
        try Self.createFileIfMissing(path)
        do {
            self.database = try Database(path: path)
        } catch {
            throw HistoryError("cannot open", path: path, cause: error)
        }
        try configure(inMemory: false)
        try migrate()
        try readTotals()
    }

    /// Opens an empty store kept in memory only.
    private init(inMemoryWithLabel label: String) throws(HistoryError) {
        self.path = label
        do {
            self.database = try Database(path: ":memory:")
        } catch {
            throw HistoryError("cannot open", path: label, cause: error)
        }
        try configure(inMemory: true)
        try migrate()
    }

    /// An empty store that lives in memory and disappears with the object.
    static func inMemory() throws(HistoryError) -> HistoryStore {
        try HistoryStore(inMemoryWithLabel: "(in memory)")
    }

    /// Closes the database: the write-ahead log is checkpointed into the
    /// file. Using the store afterwards throws. Dropping the last reference
    /// closes it too.
    func close() throws(HistoryError) {
        do {
            try database.close()
        } catch {
            throw HistoryError("cannot close", path: path, cause: error)
        }
    }

    // MARK: - Set-up

    /// The settings of the connection: a busy timeout; for a file, WAL with
    /// `synchronous = NORMAL`, a bounded log, a bounded page cache, and incremental auto-vacuum in
    /// a new file (it can only be chosen before the first table, and before
    /// WAL writes the first page).
    private func configure(inMemory: Bool) throws(HistoryError) {
        try access("cannot open") {
            // Another process (`sqlite3`, a second daemon) may hold the lock a moment.
            try database.setBusyTimeout(milliseconds: 1_000)
            if !inMemory {
                if try database.integer("PRAGMA page_count") == 0 {
                    try database.execute("PRAGMA auto_vacuum = INCREMENTAL")
                }
                let mode = try database.text("PRAGMA journal_mode = WAL")
                guard mode == "wal" else {
                    throw HistoryError(
                        "cannot set up the history database \(path): SQLite refused WAL mode "
                            + "(journal mode \(mode ?? "unknown"))", kind: .notWritable)
                }
                try database.execute("PRAGMA synchronous = NORMAL")
                // After a large transaction (a migration), the log shrinks back to this.
                try database.execute("PRAGMA journal_size_limit = 16777216")
                // The history is appended to and read a page at a time: 512 KiB of cached pages rather
                // than SQLite's 2 MiB default, which a thousand busy jobs' saves filled.
                try database.execute("PRAGMA cache_size = -512")
            }
            pageSize = try database.integer("PRAGMA page_size") ?? 4096
        }
    }

    /// Reads what the records count for (and so every page of the record
    /// list, where damage shows at once).
    private func readTotals() throws(HistoryError) {
        storedBytes = try access("cannot read") {
            _ = try database.integer("SELECT count(*) FROM job")
            return try database.integer("SELECT total(size) FROM notification") ?? 0
        }
    }

    /// Re-reads ``storedBytes`` after deletions that did not count.
    func recountStoredBytes() throws(HistoryError) {
        try readTotals()
    }

    // MARK: - Access

    /// Runs `body` on the connection without a transaction (one statement is
    /// atomic by itself), turning any failure into a ``HistoryError``.
    ///
    /// - Parameter failure: What failed, for the error message.
    func access<T>(_ failure: @autoclosure () -> String, _ body: () throws -> T) throws(HistoryError) -> T {
        guard !isClosed else {
            throw HistoryError("\(failure()) the history database \(path): the store was closed", kind: .closed)
        }
        do {
            return try body()
        } catch {
            throw HistoryError(failure(), path: path, cause: error)
        }
    }

    /// Runs `body` in one write transaction, turning any failure into a
    /// ``HistoryError``; nothing of `body` is kept when it throws.
    ///
    /// - Parameter failure: What failed, for the error message.
    func transaction<T>(_ failure: @autoclosure () -> String, _ body: () throws -> T) throws(HistoryError) -> T {
        guard !isClosed else {
            throw HistoryError("\(failure()) the history database \(path): the store was closed", kind: .closed)
        }
        do {
            return try database.transaction(body)
        } catch {
            throw HistoryError(failure(), path: path, cause: error)
        }
    }

    /// Adds `delta` to ``storedBytes`` once a transaction that changed the
    /// records committed.
    func account(_ delta: Int64) {
        storedBytes = max(0, storedBytes + delta)
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
                            + String(cString: strerror(code)), kind: HistoryError.kind(ofErrno: code))
                }
            }
            prefix += "/"
        }
    }

    /// Creates an empty database file with mode 0600 unless one exists, and
    /// checks that the file can be opened for writing (SQLite would open a
    /// read-only file read-only and fail only at the first write) and that a
    /// file with content starts with the SQLite header.
    ///
    /// The header is checked before SQLite sees the file: SQLite deletes the
    /// `-wal` and `-shm` files beside a file that is not a database when it
    /// closes it, and they are moved aside with it instead
    /// (``open(path:now:)``).
    static func createFileIfMissing(_ path: String) throws(HistoryError) {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            let advice = code == EACCES || code == EROFS ? "; check the permissions of the file and its directory" : ""
            throw HistoryError(
                "cannot open the history database \(path) for writing: \(String(cString: strerror(code)))\(advice)",
                kind: HistoryError.kind(ofErrno: code))
        }
        defer { closeFileDescriptor(descriptor) }
        var header = [UInt8](repeating: 0, count: sqliteHeader.count)
        let count = read(descriptor, &header, header.count)
        guard count == 0 || (count == header.count && header == sqliteHeader) else {
            throw HistoryError(
                "cannot open the history database \(path): the file is corrupt or is not an SQLite database "
                    + "(it does not begin with the SQLite header); move it away to start an empty history",
                kind: .corrupt)
        }
    }

    /// The first 16 bytes of every SQLite database file: `SQLite format 3` and a NUL.
    static let sqliteHeader = Array("SQLite format 3\0".utf8)
}

/// `close(2)`, out of reach of ``HistoryStore/close()`` inside the class.
private func closeFileDescriptor(_ descriptor: Int32) {
    close(descriptor)
}

import CSQLite

/// One SQLite connection (`sqlite3 *`), closed when the object goes.
///
/// SQL is always a literal of this program (`StaticString`); values are bound to parameters (see
/// ``Statement``). Statements run often are prepared once and cached (``statement(_:)``).
/// Every failure is a ``SQLiteError`` carrying `sqlite3_errmsg`.
///
/// Not `Sendable`: opened with `SQLITE_OPEN_NOMUTEX`, it is used from one thread (the daemon's
/// main loop).
final class Database {
    /// The path given to `sqlite3_open_v2` (`:memory:` for a database in memory).
    let path: String
    /// The connection; nil once closed.
    private var connection: OpaquePointer?
    /// Prepared statements, by the address of their SQL literal.
    private var cache: [UnsafeRawPointer: Statement] = [:]

    /// Opens (creating when `create`) the database at `path`, read-write.
    ///
    /// Result codes are extended (`SQLITE_OPEN_EXRESCODE`): a corrupt file is told apart from a
    /// file that cannot be opened, for example.
    init(path: String, create: Bool = true) throws(SQLiteError) {
        self.path = path
        var connection: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if create { flags |= SQLITE_OPEN_CREATE }
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            // A connection is returned even on failure, to say why; it must still be closed.
            let error = SQLiteError(code: code, connection: connection)
            sqlite3_close_v2(connection)
            throw error
        }
        self.connection = connection
        sqlite3_extended_result_codes(connection, 1)
    }

    deinit {
        cache.removeAll()
        if let connection { sqlite3_close_v2(connection) }
    }

    /// Whether ``close()`` was called.
    var isClosed: Bool { connection == nil }

    /// Finalizes the cached statements and closes the connection; in WAL mode the last connection
    /// checkpoints the log into the file and removes it. Closing twice does nothing.
    func close() throws(SQLiteError) {
        guard let connection else { return }
        cache.removeAll()
        let code = sqlite3_close_v2(connection)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection) }
        self.connection = nil
    }

    /// The open connection, or `SQLITE_MISUSE` once closed.
    private func open() throws(SQLiteError) -> OpaquePointer {
        guard let connection else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the database connection was closed")
        }
        return connection
    }

    // MARK: - Statements

    /// The prepared statement of `sql`, prepared at its first use and then reused.
    func statement(_ sql: StaticString) throws(SQLiteError) -> Statement {
        let key = UnsafeRawPointer(sql.utf8Start)
        if let statement = cache[key] { return statement }
        let statement = try Statement(sql, connection: try open(), persistent: true)
        cache[key] = statement
        return statement
    }

    /// Runs `sql`, which may hold several statements and binds nothing (schema changes, pragmas).
    func execute(_ sql: StaticString) throws(SQLiteError) {
        let connection = try open()
        var message: UnsafeMutablePointer<CChar>?
        // sqlite3_exec wants a NUL-terminated string: a StaticString literal is one.
        let code = sql.utf8Start.withMemoryRebound(to: CChar.self, capacity: sql.utf8CodeUnitCount + 1) {
            sqlite3_exec(connection, $0, nil, nil, &message)
        }
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection) }
    }

    /// The first column of the first row of `sql` as an integer (a pragma, a count); nil when there
    /// is no row or it is NULL. Not cached.
    func integer(_ sql: StaticString, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int64? {
        try Statement(sql, connection: try open(), persistent: false).integer(values)
    }

    /// The first column of the first row of `sql` as text; nil when there is no row or it is NULL.
    /// Not cached.
    func text(_ sql: StaticString, _ values: [SQLiteValue] = []) throws(SQLiteError) -> String? {
        try Statement(sql, connection: try open(), persistent: false).text(values)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE (not counting triggers).
    var changes: Int {
        connection.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    /// The rowid of the last successful INSERT.
    var lastInsertRowID: Int64 {
        connection.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    // MARK: - Transactions

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`, so the write lock is taken up front
    /// and a busy database fails at the start, not half-way): committed when `body` returns,
    /// rolled back when it throws or the commit fails.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try statement("BEGIN IMMEDIATE").execute()
        let result: T
        do {
            result = try body()
            try statement("COMMIT").execute()
        } catch {
            // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has rolled back already.
            if let connection, sqlite3_get_autocommit(connection) == 0 {
                try? statement("ROLLBACK").execute()
            }
            throw error
        }
        return result
    }

    // MARK: - Settings

    /// How long a call waits for a lock held by another connection before it fails with
    /// `SQLITE_BUSY`.
    func setBusyTimeout(milliseconds: Int32) throws(SQLiteError) {
        let connection = try open()
        let code = sqlite3_busy_timeout(connection, milliseconds)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection) }
    }
}

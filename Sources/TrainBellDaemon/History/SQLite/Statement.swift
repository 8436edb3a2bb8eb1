import CSQLite

/// A prepared statement (`sqlite3_stmt`), finalized when the object goes.
///
/// Its SQL is a literal of this program (`StaticString`): values from outside are bound to its
/// parameters, never spliced into the text. Columns are read by index after ``step()`` returned
/// true. Not `Sendable`: used on the thread of its ``Database``.
final class Statement {
    /// The statement; valid until `deinit`.
    private let handle: OpaquePointer
    /// The connection it was prepared on, for `sqlite3_errmsg`. The ``Database`` finalizes its
    /// cached statements before it closes, and closes with `sqlite3_close_v2`, which waits for the
    /// last statement of any other owner.
    private let connection: OpaquePointer
    /// The SQL, for error messages.
    let sql: StaticString

    /// Prepares `sql` on `connection`.
    ///
    /// - Parameter persistent: The statement is kept and reused (`SQLITE_PREPARE_PERSISTENT`).
    init(_ sql: StaticString, connection: OpaquePointer, persistent: Bool) throws(SQLiteError) {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.utf8Start.withMemoryRebound(to: CChar.self, capacity: sql.utf8CodeUnitCount) {
            sqlite3_prepare_v3(connection, $0, Int32(sql.utf8CodeUnitCount), flags, &statement, nil)
        }
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            let error = SQLiteError(code: code == SQLITE_OK ? SQLITE_MISUSE : code, connection: connection)
            throw error
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: - Running

    /// Resets the statement and binds `values` to its parameters `?1`, `?2`, … in order.
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .integer(let integer):
                code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real):
                code = sqlite3_bind_double(handle, index, real)
            case .text(let text):
                code = Self.bind(text, at: index, of: handle)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    guard let count = Int32(exactly: buffer.count) else { return SQLITE_TOOBIG }
                    // A nil pointer would bind NULL, not the empty blob.
                    guard let base = buffer.baseAddress, count > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
                    return csqlite_bind_blob_copied(handle, index, base, count)
                }
            }
            guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection) }
        }
    }

    /// Binds the UTF-8 bytes of `text` (SQLite copies them), also when they hold NUL bytes.
    private static func bind(_ text: String, at index: Int32, of handle: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                // A nil pointer would bind NULL, not the empty string.
                return csqlite_bind_text_copied(handle, index, "", 0)
            }
            guard let length = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                csqlite_bind_text_copied(handle, index, $0, length)
            }
        }
    }

    /// Steps once: true when a row is ready to be read, false when the statement is done (then it
    /// is reset, so that it holds no lock).
    @discardableResult
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            sqlite3_reset(handle)
            return false
        default:
            let error = SQLiteError(code: code, connection: connection)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Binds `values` and steps until the statement is done (for statements that return no rows).
    func execute(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    /// Binds `values` and returns the first column of the first row as an integer; nil when there
    /// is no row or the value is NULL.
    func integer(_ values: [SQLiteValue] = []) throws(SQLiteError) -> Int64? {
        try bind(values)
        guard try step() else { return nil }
        let value = isNull(at: 0) ? nil : int64(at: 0)
        sqlite3_reset(handle)
        return value
    }

    /// Binds `values` and returns the first column of the first row as text; nil when there is no
    /// row or the value is NULL.
    func text(_ values: [SQLiteValue] = []) throws(SQLiteError) -> String? {
        try bind(values)
        guard try step() else { return nil }
        let value = optionalText(at: 0)
        sqlite3_reset(handle)
        return value
    }

    /// Ends a run early (before ``step()`` returned false), releasing what it holds.
    func reset() {
        sqlite3_reset(handle)
    }

    // MARK: - Columns of the current row

    /// Whether column `index` is NULL.
    func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` as an integer (NULL reads as 0).
    func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Column `index` as an integer, nil when NULL.
    func optionalInt64(at index: Int32) -> Int64? {
        isNull(at: index) ? nil : int64(at: index)
    }

    /// Column `index` as a real number, nil when NULL.
    func optionalDouble(at index: Int32) -> Double? {
        isNull(at: index) ? nil : sqlite3_column_double(handle, index)
    }

    /// Column `index` as text (NULL reads as ""); bytes that are not UTF-8 become U+FFFD.
    func text(at index: Int32) -> String {
        // `sqlite3_column_text` first, then the length of what it returned (SQLite's rule).
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` as bytes (NULL reads as none).
    func blob(at index: Int32) -> [UInt8] {
        // `sqlite3_column_blob` first, then the length (SQLite's rule).
        guard let bytes = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `index` as text, nil when NULL.
    func optionalText(at index: Int32) -> String? {
        isNull(at: index) ? nil : text(at: index)
    }

    /// The type SQLite holds in column `index`, for messages about values that do not fit:
    /// `integer`, `real`, `text`, `blob` or `null`.
    func typeName(at index: Int32) -> String {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: "integer"
        case SQLITE_FLOAT: "real"
        case SQLITE_TEXT: "text"
        case SQLITE_BLOB: "blob"
        default: "null"
        }
    }
}

import CSQLite

/// A failed SQLite call: its result code and SQLite's own explanation (`sqlite3_errmsg`), e.g.
/// `SQLite error 26: file is not a database`.
struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The extended result code, e.g. 26 (`SQLITE_NOTADB`) or 1555 (`SQLITE_CONSTRAINT_PRIMARYKEY`).
    let extendedCode: Int32
    /// `sqlite3_errmsg` of the connection right after the failure (or `sqlite3_errstr` of the code
    /// when there was no connection to ask).
    let message: String

    init(extendedCode: Int32, message: String) {
        self.extendedCode = extendedCode
        self.message = message
    }

    /// The error of the last failed call on `connection`, whose result was `code`.
    init(code: Int32, connection: OpaquePointer?) {
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        // The connection's code is the one of its last failure; prefer it when it refines `code`.
        self.extendedCode = extended & 0xFF == code & 0xFF ? extended : code
        if let connection, let text = sqlite3_errmsg(connection) {
            self.message = String(cString: text)
        } else if let text = sqlite3_errstr(code) {
            self.message = String(cString: text)
        } else {
            self.message = "unknown error"
        }
    }

    /// The primary result code (`extendedCode & 0xFF`), e.g. `SQLITE_CORRUPT` for every kind of
    /// corruption.
    var code: Int32 { extendedCode & 0xFF }

    var description: String { "SQLite error \(extendedCode): \(message)" }
}

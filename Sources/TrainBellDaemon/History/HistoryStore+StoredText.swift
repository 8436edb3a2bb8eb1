import Glibc

extension HistoryStore {
    /// The most UTF-8 bytes of a message the history keeps: 1 MiB
    /// (1,048,576 bytes).
    ///
    /// A notification's message is stored whole up to this size. A longer
    /// one is cut at a character boundary (never inside a UTF-8 sequence)
    /// and ends with `"\n… [truncated: N bytes in all]"`, N being the length
    /// of the original text in bytes; the stored text, marker included, is
    /// never longer than the cap.
    static let maximumStoredMessageBytes = 1 << 20

    /// The most UTF-8 bytes of a job's last error the history keeps: 16 KiB,
    /// cut as a message is. The whole text is in the error's record; the job
    /// row keeps what `LastError` and `trainbell status` show, so that the
    /// job table, which ``maximumBytes`` does not bound, stays small (800
    /// errors of 1 MiB over 50 jobs left 50 MB of job rows).
    static let maximumStoredLastErrorBytes = 16 << 10

    /// `message` as stored: shortened to `maximumBytes` (by default
    /// ``maximumStoredMessageBytes``) with the truncation marker when longer,
    /// and with ``storedText(_:)``'s replacement of NUL characters.
    static func storedMessage(_ message: String, maximumBytes: Int = maximumStoredMessageBytes) -> String {
        let text = storedText(message)
        let length = text.utf8.count
        guard length > maximumBytes else { return text }
        let marker = "\n… [truncated: \(message.utf8.count) bytes in all]"
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, maximumBytes - marker.utf8.count))
        // Back off over continuation bytes (0b10xxxxxx) to the start of a scalar.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self) + marker
    }

    /// `text` with every NUL character replaced by U+FFFD.
    ///
    /// The store binds text with its length, but SQLite's text functions
    /// (`length`, comparisons in the shell) stop at the first NUL, and so do
    /// the C strings of D-Bus, which cannot hold one: only a caller inside
    /// the daemon could pass one.
    static func storedText(_ text: String) -> String {
        guard containsNUL(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar == "\0" ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }

    /// Whether `text` holds a NUL byte, found by `memchr` (the byte-wise
    /// `utf8.contains(0)` costs milliseconds on a message of a mebibyte).
    static func containsNUL(_ text: String) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable({ bytes in
            bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
        }) {
            return found
        }
        return text.utf8.contains(0)
    }

    /// ``storedText(_:)`` of an optional.
    static func storedText(_ text: String?) -> String? {
        text.map { storedText($0) }
    }
}

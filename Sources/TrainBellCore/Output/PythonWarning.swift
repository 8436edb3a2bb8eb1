/// A warning as Python's `warnings` module prints it:
/// `/path/to/file.py:12: UserWarning: text` (any `…Warning` category:
/// `FutureWarning`, `DeprecationWarning`, …), possibly after a rank prefix
/// such as `[rank0]: `, or a line that starts with `SomeWarning: text`.
struct PythonWarning: Sendable, Equatable {
    /// The most characters of a warning's text kept.
    static let maximumLength = 1_000

    /// `Category: text`, e.g. `UserWarning: text`.
    var message: String

    /// The warning printed in `line` (without escape sequences), if any.
    init?(_ line: [UInt8]) {
        let marker = Array("Warning: ".utf8)
        var search = 0
        while let at = line.firstIndex(of: marker, from: search) {
            search = at + 1
            // The category: an identifier ending in "Warning", starting with a capital.
            var start = at
            while start > 0, Self.isIdentifier(line[start - 1]) { start -= 1 }
            guard (0x41...0x5A).contains(line[start]) else { continue }
            guard line[..<start].allSatisfy({ $0 == 0x20 }) || Self.followsLocation(line, start) else { continue }
            let text = line[(at + marker.count)...].trimmingSpaces
            guard !text.isEmpty else { continue }
            var message = line[start..<(at + 7)].text + ": " + text.text
            // Counting characters reads every grapheme: only when the bytes could be too many.
            if message.utf8.count > Self.maximumLength, message.count > Self.maximumLength {
                message = String(message.prefix(Self.maximumLength)) + "…"
            }
            self.message = message
            return
        }
        return nil
    }

    private static func isIdentifier(_ byte: UInt8) -> Bool {
        byte.isASCIIDigit || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_")
    }

    /// Whether `…:12: ` (a file and line number) ends just before `start`.
    private static func followsLocation(_ line: [UInt8], _ start: Int) -> Bool {
        guard start >= 4, line[start - 1] == 0x20, line[start - 2] == UInt8(ascii: ":") else { return false }
        var index = start - 3
        guard line[index].isASCIIDigit else { return false }
        while index > 0, line[index].isASCIIDigit { index -= 1 }
        return line[index] == UInt8(ascii: ":")
    }
}

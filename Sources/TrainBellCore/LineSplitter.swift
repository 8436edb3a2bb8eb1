/// Cuts a byte stream into lines at `\n` and at `\r` (progress bars redraw
/// themselves with `\r`), whatever the chunks the bytes arrive in.
///
/// `\r\n` is one line break (a pseudo-terminal turns every `\n` into
/// `\r\n`), so a blank line stays one blank line. A line longer than
/// ``maximumLineLength`` keeps its first bytes; the rest, up to the next
/// break, is dropped, so memory stays bounded whatever the input.
struct LineSplitter: Sendable {
    /// The most bytes kept of one line.
    static let maximumLineLength = 64 * 1024

    private var line: [UInt8] = []
    private var afterCarriageReturn = false

    /// The lines that `bytes` complete, in order, without their breaks.
    mutating func split(_ bytes: some Collection<UInt8>) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if afterCarriageReturn {
                    afterCarriageReturn = false
                } else {
                    lines.append(takeLine())
                }
            case UInt8(ascii: "\r"):
                lines.append(takeLine())
                afterCarriageReturn = true
            default:
                afterCarriageReturn = false
                if line.count < Self.maximumLineLength {
                    line.append(byte)
                }
            }
        }
        return lines
    }

    /// The unterminated last line, if the stream ended inside one.
    mutating func finish() -> [UInt8]? {
        afterCarriageReturn = false
        return line.isEmpty ? nil : takeLine()
    }

    private mutating func takeLine() -> [UInt8] {
        defer { line.removeAll(keepingCapacity: true) }
        return line
    }
}

/// Removes terminal escape sequences and other control characters from one
/// line of output, and tells whether the line moved the cursor up.
///
/// Handles CSI (`ESC [ params intermediates final`, colours and cursor
/// moves), the string sequences OSC, DCS, SOS, PM and APC (ended by BEL or
/// `ESC \`, or by the end of the line), two- and three-byte escapes
/// (`ESC 7`, `ESC ( B`), and drops any other C0 control but the tab (Keras
/// backspaces over its last line before redrawing it).
enum ANSIStripper {
    /// A line without its escape sequences.
    struct Result: Sendable, Equatable {
        /// The printable bytes of the line (UTF-8, unchecked).
        var text: [UInt8]
        /// How many cursor-up moves (`CSI A`, `CSI F`) the line contained:
        /// tqdm draws a bar at position n > 0 on a lower row and then moves
        /// back up n rows, so a bar followed by a move up is a nested bar.
        var cursorUpMoves: Int
    }

    private static let escape: UInt8 = 0x1B
    private static let bell: UInt8 = 0x07

    /// `line` without escape sequences and control characters.
    static func strip(_ line: [UInt8]) -> Result {
        guard hasControlBytes(line) else {
            return Result(text: line, cursorUpMoves: 0)
        }
        var text: [UInt8] = []
        text.reserveCapacity(line.count)
        var moves = 0
        var index = 0
        let count = line.count
        while index < count {
            let byte = line[index]
            guard byte == escape else {
                if byte >= 0x20 && byte != 0x7F || byte == UInt8(ascii: "\t") {
                    text.append(byte)
                }
                index += 1
                continue
            }
            guard index + 1 < count else { break }
            let kind = line[index + 1]
            switch kind {
            case UInt8(ascii: "["):
                var next = index + 2
                while next < count, (0x30...0x3F).contains(line[next]) { next += 1 }
                while next < count, (0x20...0x2F).contains(line[next]) { next += 1 }
                if next < count, (0x40...0x7E).contains(line[next]) {
                    if line[next] == UInt8(ascii: "A") || line[next] == UInt8(ascii: "F") {
                        moves += 1
                    }
                    next += 1
                }
                index = next
            case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "X"), UInt8(ascii: "^"), UInt8(ascii: "_"):
                var next = index + 2
                while next < count {
                    if line[next] == bell {
                        next += 1
                        break
                    }
                    if line[next] == escape {
                        if next + 1 < count, line[next + 1] == UInt8(ascii: "\\") { next += 2 }
                        break
                    }
                    next += 1
                }
                index = next
            case 0x20...0x2F:
                var next = index + 1
                while next < count, (0x20...0x2F).contains(line[next]) { next += 1 }
                if next < count, (0x30...0x7E).contains(line[next]) { next += 1 }
                index = next
            case 0x30...0x7E:
                index += 2
            default:
                index += 1
            }
        }
        return Result(text: text, cursorUpMoves: moves)
    }

    /// Whether `line` holds a control character (C0 or DEL), 16 bytes at a time.
    static func hasControlBytes(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { hasControlBytes($0) }
    }

    /// Whether `bytes` hold a control character (C0 or DEL), 16 bytes at a time.
    static func hasControlBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        do {
            var index = 0
            let count = bytes.count
            if let base = bytes.baseAddress {
                let raw = UnsafeRawPointer(base)
                let space = SIMD16<UInt8>(repeating: 0x20)
                let delete = SIMD16<UInt8>(repeating: 0x7F)
                while index + 16 <= count {
                    let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                    if ((block .< space) .| (block .== delete)).hasAnyLaneSet { return true }
                    index += 16
                }
            }
            while index < count {
                if bytes[index] < 0x20 || bytes[index] == 0x7F { return true }
                index += 1
            }
            return false
        }
    }
}

/// Cuts a byte stream into lines at `\n` and at `\r` (progress bars redraw
/// themselves with `\r`), whatever the chunks the bytes arrive in.
///
/// `\r\n` is one line break (a pseudo-terminal turns every `\n` into
/// `\r\n`), so a blank line stays one blank line. A line longer than
/// ``maximumLineLength`` is *cut*: its first bytes are kept, the rest, up to
/// the next break, is only scanned for that break, so memory and work stay
/// bounded whatever the input.
///
/// Cheap per byte: breaks are found 16 bytes at a time, and each byte of a
/// line is copied once (a whole run at a time), never re-scanned when more
/// chunks arrive. The pass that finds the end of a line that lies whole in
/// the bytes read also tells whether it holds other control bytes and a
/// `[` (``Marks``), so that no other pass over an ordinary line is needed
/// for them.
struct LineSplitter: Sendable {
    /// The most bytes kept of one line: longer than any progress bar, log
    /// dict, warning or traceback line a training prints.
    static let maximumLineLength = 8 * 1024

    /// The kept bytes of the line being read.
    private var line: [UInt8] = []
    /// Whether the line being read is longer than ``maximumLineLength``.
    private var isCut = false
    private var afterCarriageReturn = false

    /// How many bytes were copied into lines so far (tests check that work
    /// stays linear and bounded).
    private(set) var copiedBytes = 0

    /// What the search for the end of a line saw in it on its way.
    struct Marks: Equatable {
        /// Whether the line holds a control byte (C0 or DEL, the tab too) besides its break.
        var hasControlBytes: Bool
        /// Whether the line holds a `[` (unknown, true, when it holds control bytes).
        var mayHoldBracket: Bool
    }

    /// Where the next line is.
    enum Line: Equatable {
        /// Whole inside the bytes read, at this range, and not too long: nothing was copied.
        case within(Range<Int>, Marks)
        /// In the storage handed over (`line`); whether it was cut.
        case kept(isCut: Bool)
    }

    /// Reads `bytes` from `index` up to the end of the next line, moving
    /// `index` past its break: a line that lies whole inside `bytes` is
    /// only located; one that began in earlier bytes (or is too long) is
    /// handed over in `line` (as ``nextLine(in:from:into:)``).
    mutating func next(in bytes: UnsafeBufferPointer<UInt8>, from index: inout Int, into line: inout [UInt8]) -> Line? {
        if afterCarriageReturn, index < bytes.count {
            afterCarriageReturn = false
            if bytes[index] == UInt8(ascii: "\n") { index += 1 }
        }
        guard index < bytes.count else { return nil }
        if self.line.isEmpty, !isCut {
            let (end, marks) = Self.lineEnd(bytes, from: index)
            if end < bytes.count, end - index <= Self.maximumLineLength {
                let range = index..<end
                afterCarriageReturn = bytes[end] == UInt8(ascii: "\r")
                index = end + 1
                return .within(range, marks)
            }
        }
        return nextLine(in: bytes, from: &index, into: &line).map { .kept(isCut: $0) }
    }

    /// Reads `bytes` from `index` up to the end of the next line, moving
    /// `index` past its break. When a line ends there, its bytes replace
    /// those of `line` (whose storage the splitter reuses) and the result is
    /// whether it was cut; nil when the bytes end inside a line (`index` is
    /// then `bytes.count`).
    mutating func nextLine(in bytes: UnsafeBufferPointer<UInt8>, from index: inout Int, into line: inout [UInt8]) -> Bool? {
        let count = bytes.count
        if afterCarriageReturn, index < count {
            afterCarriageReturn = false
            if bytes[index] == UInt8(ascii: "\n") { index += 1 }
        }
        guard index < count else { return nil }
        let end = Self.breakIndex(bytes, from: index)
        keep(UnsafeBufferPointer(rebasing: bytes[index..<end]))
        guard end < count else {
            index = count
            return nil
        }
        afterCarriageReturn = bytes[end] == UInt8(ascii: "\r")
        index = end + 1
        return take(into: &line)
    }

    /// The unterminated last line, if the stream ended inside one (as ``nextLine(in:from:into:)``).
    mutating func finish(into line: inout [UInt8]) -> Bool? {
        afterCarriageReturn = false
        return self.line.isEmpty && !isCut ? nil : take(into: &line)
    }

    private mutating func keep(_ run: UnsafeBufferPointer<UInt8>) {
        guard !run.isEmpty else { return }
        let room = Self.maximumLineLength - line.count
        if run.count > room { isCut = true }
        guard room > 0 else { return }
        let kept = UnsafeBufferPointer(rebasing: run.prefix(room))
        line.append(contentsOf: kept)
        copiedBytes += kept.count
    }

    private mutating func take(into other: inout [UInt8]) -> Bool {
        other.removeAll(keepingCapacity: true)
        swap(&other, &line)
        defer { isCut = false }
        return isCut
    }

    /// The index of the first `\n` or `\r` at or after `start`, or `bytes.count`.
    @inline(__always)
    static func breakIndex(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        let count = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let newline = SIMD16<UInt8>(repeating: UInt8(ascii: "\n"))
            let carriageReturn = SIMD16<UInt8>(repeating: UInt8(ascii: "\r"))
            while index + 16 <= count {
                let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                if ((block .== newline) .| (block .== carriageReturn)).hasAnyLaneSet { break }
                index += 16
            }
        }
        while index < count, bytes[index] != UInt8(ascii: "\n"), bytes[index] != UInt8(ascii: "\r") { index += 1 }
        return index
    }

    /// The index of the first `\n` or `\r` at or after `start` (or `bytes.count`), and what the
    /// bytes before it hold: a search for any control byte, 16 bytes at a time, that notes the
    /// blocks with a `[` on its way; past a control byte that is not a break, ``breakIndex(_:from:)``.
    @inline(__always)
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, marks: Marks) {
        var index = start
        let count = bytes.count
        var bracket = false
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let space = SIMD16<UInt8>(repeating: 0x20)
            let delete = SIMD16<UInt8>(repeating: 0x7F)
            let open = SIMD16<UInt8>(repeating: UInt8(ascii: "["))
            var brackets = SIMDMask<SIMD16<Int8>>(repeating: false)
            while index + 16 <= count {
                let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                brackets = brackets .| (block .== open)
                if ((block .< space) .| (block .== delete)).hasAnyLaneSet { break }
                index += 16
            }
            bracket = brackets.hasAnyLaneSet
        }
        while index < count {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F {
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
                return (breakIndex(bytes, from: index + 1), Marks(hasControlBytes: true, mayHoldBracket: true))
            }
            if byte == UInt8(ascii: "[") { bracket = true }
            index += 1
        }
        return (index, Marks(hasControlBytes: false, mayHoldBracket: bracket))
    }
}

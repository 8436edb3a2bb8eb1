/// What one line of output may hold, found in a cheap pass, so that the
/// recognizers run only on the lines that may interest them.
///
/// Every phrase the recognizer looks for anywhere in a line (the error
/// phrases of ``ErrorLineClassifier``, `Warning: `, the traceback header)
/// is at least ``anchorLength`` + ``stride`` - 1 bytes long, so wherever it
/// starts, one of its first ``stride`` windows of ``anchorLength`` bytes
/// starts at an offset of the line that is a multiple of ``stride``. The
/// screen reads the window at every such offset in place as one number,
/// folds it (every byte ORed with 0x20: ASCII upper case becomes lower
/// case, and a few other bytes meet, which only makes the screen pass a
/// little more), and looks it up in a 64 Kibit filter, then in the set of
/// anchors (those windows of every phrase, folded the same way). A line
/// that passes may hold a phrase (the recognizers then decide, as they
/// would without the screen); a line that does not pass holds none. Only
/// lines that pass are searched phrase by phrase, so an ordinary log line
/// costs about two instructions per byte here, and nothing is copied.
struct LineScreen: Sendable {
    /// The verdict on one line.
    struct Verdict: Sendable, Equatable {
        /// Whether the line may hold one of ``LineScreen/phrases`` (ASCII letter case ignored).
        var mayHoldPhrase: Bool
        /// Whether the line holds `" ["`, which every tqdm meter has.
        var hasMeterBracket: Bool
    }

    /// The phrases searched for anywhere in a line.
    static let phrases: [[UInt8]] =
        ErrorLineClassifier.searchedPhrases + [Array("warning: ".utf8), PythonTraceback.header.asciiLowercased]

    /// The bytes of the window.
    static let anchorLength = 6
    /// How far apart the windows read in a line are.
    static let stride = 4
    /// The bits of a 64-bit load that hold the window.
    private static let windowMask: UInt64 = (1 << UInt64(anchorLength * 8)) - 1
    /// ORed into a window: the fold.
    private static let fold: UInt64 = 0x2020_2020_2020_2020

    /// Whether a phrase is too short for the windows, in which case every line passes.
    private static let everyLinePasses = phrases.contains { $0.count < anchorLength + stride - 1 }

    /// The windows at offsets 0 ..< stride of each phrase, folded, as a little-endian load of them reads.
    private static let anchors: Set<UInt64> = Set(phrases.filter { $0.count >= anchorLength + stride - 1 }.flatMap { phrase in
        (0..<stride).map { offset in
            phrase[offset..<(offset + anchorLength)].reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1 | 0x20) }
        }
    })

    /// One bit per hash of a window: set for the anchors'.
    private static let sharedFilter: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 1 << 10)
        for anchor in anchors {
            let hash = Self.hash(anchor)
            bits[hash >> 6] |= 1 << UInt64(hash & 63)
        }
        return bits
    }()

    @inline(__always)
    private static func hash(_ window: UInt64) -> Int {
        Int(truncatingIfNeeded: (window &* 0x9E37_79B9_7F4A_7C15) >> 48)
    }

    /// ``sharedFilter``, held here so that a line's screening does not go through the lazy static.
    private let filter: [UInt64]
    private let anchors: Set<UInt64>
    private let everyLinePasses: Bool

    init() {
        filter = Self.sharedFilter
        anchors = Self.anchors
        everyLinePasses = Self.everyLinePasses
    }

    /// Screens `line` (without escape sequences).
    func screen(_ line: [UInt8]) -> Verdict {
        line.withUnsafeBufferPointer { screen($0) }
    }

    /// Screens `line` (without escape sequences). `mayHoldBracket` false says that `line` has no
    /// `[` at all (``LineSplitter`` found that on its way), so that it need not be looked for.
    func screen(_ line: UnsafeBufferPointer<UInt8>, mayHoldBracket: Bool = true) -> Verdict {
        Verdict(mayHoldPhrase: everyLinePasses || mayHoldPhrase(line),
                hasMeterBracket: mayHoldBracket && Self.hasMeterBracket(line))
    }

    private func mayHoldPhrase(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = line.count
        guard count >= Self.anchorLength, let base = line.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        return filter.withUnsafeBufferPointer { filter in
            guard let words = filter.baseAddress else { return false }
            // Wrapping arithmetic: `offset` stays below `count`, so nothing can overflow, and the
            // loop needs no overflow checks (about a third of its instructions otherwise).
            @inline(__always) func mayBeAnchor(_ window: UInt64) -> Bool {
                let hash = Self.hash(window)
                // The hash has 16 bits: always within the filter's 1,024 words.
                return words[hash &>> 6] & (1 &<< UInt64(hash & 63)) != 0 && anchors.contains(window)
            }
            var offset = 0
            // A 64-bit load while it stays inside the line, two windows a turn; the last windows
            // byte by byte.
            while offset &+ 8 &+ Self.stride <= count {
                let first = (UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) | Self.fold)
                    & Self.windowMask
                let second = (UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset &+ Self.stride, as: UInt64.self))
                    | Self.fold) & Self.windowMask
                if mayBeAnchor(first) || mayBeAnchor(second) { return true }
                offset = offset &+ 2 &* Self.stride
            }
            while offset &+ 8 <= count {
                let window = (UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) | Self.fold)
                    & Self.windowMask
                if mayBeAnchor(window) { return true }
                offset = offset &+ Self.stride
            }
            while offset &+ Self.anchorLength <= count {
                var window: UInt64 = 0
                for index in (offset..<(offset &+ Self.anchorLength)).reversed() { window = window &<< 8 | UInt64(line[index] | 0x20) }
                if mayBeAnchor(window) { return true }
                offset = offset &+ Self.stride
            }
            return false
        }
    }

    /// Whether `line` holds `" ["`.
    private static func hasMeterBracket(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        do {
            let count = bytes.count
            guard let base = bytes.baseAddress else { return false }
            let raw = UnsafeRawPointer(base)
            let bracket = SIMD16<UInt8>(repeating: UInt8(ascii: "["))
            var start = 0
            while start < count {
                if start + 16 <= count,
                    !(raw.loadUnaligned(fromByteOffset: start, as: SIMD16<UInt8>.self) .== bracket).hasAnyLaneSet
                {
                    start += 16
                    continue
                }
                for index in start..<min(start + 16, count)
                where bytes[index] == UInt8(ascii: "[") && index > 0 && bytes[index - 1] == 0x20 {
                    return true
                }
                start += 16
            }
            return false
        }
    }
}

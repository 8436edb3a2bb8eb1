/// What one line of output may hold, found in a single cheap pass, so that
/// the recognizers run only on the lines that may interest them.
///
/// Every phrase the recognizer looks for anywhere in a line (the error
/// phrases of ``ErrorLineClassifier``, `Warning: `, the traceback header)
/// is at least ``anchorLength`` bytes long, so a line that holds one holds
/// its first ``anchorLength`` bytes: the screen slides a window of that many
/// bytes (ASCII lower case) over the line and looks each window up in a
/// 64 Kibit filter, then in the set of anchors. A line that passes may hold
/// a phrase (the recognizers then decide, as they would without the
/// screen); a line that does not pass holds none. Only lines that pass are
/// searched phrase by phrase, so an ordinary log line costs one pass.
struct LineScreen: Sendable {
    /// Whether the line may hold one of ``phrases`` (letter case ignored).
    private(set) var mayHoldPhrase = false
    /// Whether the line holds `" ["`, which every tqdm meter has.
    private(set) var hasMeterBracket = false

    /// The phrases searched for anywhere in a line.
    static let phrases: [[UInt8]] =
        ErrorLineClassifier.searchedPhrases + [Array("warning: ".utf8), PythonTraceback.header.asciiLowercased]

    /// The bytes of the window.
    static let anchorLength = 8

    /// Whether a phrase shorter than the window exists, in which case every line passes.
    private static let everyLinePasses = phrases.contains { $0.count < anchorLength }

    /// The first ``anchorLength`` bytes of each phrase, as the window holds them.
    private static let anchors: Set<UInt64> = Set(phrases.filter { $0.count >= anchorLength }.map { phrase in
        phrase.prefix(anchorLength).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    })

    /// One bit per hash of a window: set for the anchors'.
    private static let filter: [UInt64] = {
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

    /// Screens `line` (without escape sequences).
    init(_ line: [UInt8]) {
        if Self.everyLinePasses { mayHoldPhrase = true }
        let anchors = Self.anchors
        var mayHold = mayHoldPhrase
        var bracket = false
        Self.filter.withUnsafeBufferPointer { filter in
            line.withUnsafeBufferPointer { bytes in
                var window: UInt64 = 0
                for byte in bytes {
                    let lower = byte &- 0x41 < 26 ? byte | 0x20 : byte
                    window = window << 8 | UInt64(lower)
                    if window & 0xFFFF == 0x205B { bracket = true }  // " ["
                    let hash = Self.hash(window)
                    if filter[hash >> 6] & (1 << UInt64(hash & 63)) != 0, !mayHold, anchors.contains(window) {
                        mayHold = true
                    }
                }
            }
        }
        mayHoldPhrase = mayHold
        hasMeterBracket = bracket
    }
}

/// What one line of output may hold, found in a cheap pass, so that the
/// recognizers run only on the lines that may interest them.
///
/// Every phrase the recognizer looks for anywhere in a line (the error
/// phrases of ``ErrorLineClassifier``, `Warning: `, the traceback header)
/// is at least ``anchorLength`` + ``stride`` - 1 bytes long, so wherever it
/// starts, one of its first ``stride`` windows of ``anchorLength`` bytes
/// starts at an offset of the line that is a multiple of ``stride``. The
/// screen copies the line in ASCII lower case (16 bytes at a time), reads
/// the window at every such offset as one number and looks it up in a
/// 64 Kibit filter, then in the set of anchors (those windows of every
/// phrase). A line that passes may hold a phrase (the recognizers then
/// decide, as they would without the screen); a line that does not pass
/// holds none. Only lines that pass are searched phrase by phrase, so an
/// ordinary log line costs about one instruction per byte here.
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

    /// Whether a phrase is too short for the windows, in which case every line passes.
    private static let everyLinePasses = phrases.contains { $0.count < anchorLength + stride - 1 }

    /// The windows at offsets 0 ..< stride of each phrase, as a little-endian load of them reads.
    private static let anchors: Set<UInt64> = Set(phrases.filter { $0.count >= anchorLength + stride - 1 }.flatMap { phrase in
        (0..<stride).map { offset in
            phrase[offset..<(offset + anchorLength)].reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        }
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

    /// The line in lower case (reused from line to line), with at least
    /// 8 - ``anchorLength`` bytes after it, so the last window can be read
    /// with a 64-bit load.
    private var lowered: [UInt8] = []

    init() {}

    /// Screens `line` (without escape sequences).
    mutating func screen(_ line: [UInt8]) -> Verdict {
        line.withUnsafeBufferPointer { screen($0) }
    }

    /// Screens `line` (without escape sequences).
    mutating func screen(_ line: UnsafeBufferPointer<UInt8>) -> Verdict {
        Verdict(mayHoldPhrase: Self.everyLinePasses || mayHoldPhrase(line), hasMeterBracket: Self.hasMeterBracket(line))
    }

    private mutating func mayHoldPhrase(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = line.count
        guard count > Self.anchorLength, let source = line.baseAddress else { return false }
        let needed = count + 8 - Self.anchorLength
        if lowered.count < needed { lowered.append(contentsOf: repeatElement(0, count: needed - lowered.count)) }
        return lowered.withUnsafeMutableBytes { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            base.copyMemory(from: source, byteCount: count)
            var index = 0
            let a = SIMD16<UInt8>(repeating: 0x41), letters = SIMD16<UInt8>(repeating: 26), bit = SIMD16<UInt8>(repeating: 0x20)
            while index + 16 <= count {
                let block = base.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                base.storeBytes(of: block.replacing(with: block | bit, where: block &- a .< letters), toByteOffset: index,
                                as: SIMD16<UInt8>.self)
                index += 16
            }
            while index < count {
                let byte = bytes[index]
                if byte &- 0x41 < 26 { bytes[index] = byte | 0x20 }
                index += 1
            }
            return Self.filter.withUnsafeBufferPointer { filter in
                guard let words = filter.baseAddress else { return false }
                var offset = 0
                while offset + Self.anchorLength <= count {
                    let load = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    let window = load & Self.windowMask
                    let hash = Self.hash(window)
                    // The hash has 16 bits: always within the filter's 1,024 words.
                    if words[hash >> 6] & (1 << UInt64(hash & 63)) != 0, Self.anchors.contains(window) { return true }
                    offset += Self.stride
                }
                return false
            }
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
                    !any(raw.loadUnaligned(fromByteOffset: start, as: SIMD16<UInt8>.self) .== bracket)
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

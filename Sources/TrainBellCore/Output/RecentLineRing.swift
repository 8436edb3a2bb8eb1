/// The last few lines of text a stream showed, kept as bytes in slots that
/// are reused, so remembering a line costs one copy of its first bytes and
/// no text is made until it is asked for.
struct RecentLineRing: Sendable {
    /// How many lines are kept.
    let limit: Int
    /// The most bytes kept of each line; a longer one ends in `…`.
    let lineLength: Int

    private var slots: [[UInt8]] = []
    private var cut: [Bool] = []
    /// The slot the next line goes to, once every slot is used.
    private var next = 0

    init(limit: Int, lineLength: Int) {
        self.limit = limit
        self.lineLength = lineLength
    }

    /// Remembers `line` (already trimmed, not empty), forgetting the oldest when full.
    mutating func remember<Line: Collection<UInt8>>(_ line: Line) {
        let kept = line.prefix(lineLength)
        let isCut = line.count > lineLength
        if slots.count < limit {
            slots.append(Array(kept))
            cut.append(isCut)
            return
        }
        slots[next].removeAll(keepingCapacity: true)
        slots[next].append(contentsOf: kept)
        cut[next] = isCut
        next = (next + 1) % limit
    }

    /// The lines, oldest first.
    var lines: [String] {
        let order = Array(next..<slots.count) + Array(0..<next)
        return order.map { slots[$0].text + (cut[$0] ? "…" : "") }
    }
}

/// The ranges of the last few lines of a chunk that were not copied yet:
/// of a run of ordinary lines, only the last ``RecentLineRing/limit`` can
/// still be among the recent lines, so only those are copied, when the
/// run ends (``TrainingOutputRecognizer``).
struct LatestRanges: Sendable {
    let limit: Int
    private var ranges: [Range<Int>] = []
    /// Where the oldest range is, once `limit` are kept.
    private var oldest = 0

    init(limit: Int) {
        self.limit = limit
        ranges.reserveCapacity(limit)
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// Adds `range`, forgetting the oldest when full.
    mutating func append(_ range: Range<Int>) {
        if ranges.count < limit {
            ranges.append(range)
        } else {
            ranges[oldest] = range
            oldest = (oldest + 1) % limit
        }
    }

    /// The ranges, oldest first; then none are kept.
    mutating func removeAll(_ body: (Range<Int>) -> Void) {
        for offset in 0..<ranges.count { body(ranges[(oldest + offset) % ranges.count]) }
        ranges.removeAll(keepingCapacity: true)
        oldest = 0
    }
}

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

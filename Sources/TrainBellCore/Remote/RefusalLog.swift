/// The log of refused remote messages, rate-limited: at most ``burst`` lines per ``window``; what
/// is left out is counted and said in the next line that goes out. Every refusal is counted by its
/// code all the same. Pure: the clock (microseconds) is passed in.
public struct RefusalLog: Sendable, Hashable {
    public var burst: Int
    public var window: Int64
    public private(set) var counts: [RemoteEventRefusal.Code: UInt64] = [:]
    private var windowStart: Int64?
    private var linesInWindow = 0
    private var unsaid = 0

    public init(burst: Int = 10, window: Int64 = 60_000_000) {
        self.burst = burst
        self.window = window
    }

    /// All refusals so far.
    public var total: UInt64 { counts.values.reduce(0, +) }

    /// Counts `refusal`; returns the line to log now, or nil when the limit holds it back.
    public mutating func refused(_ refusal: RemoteEventRefusal, topic: String, now: Int64) -> String? {
        counts[refusal.code, default: 0] += 1
        if let start = windowStart, now - start < window, linesInWindow >= burst {
            unsaid += 1
            return nil
        }
        if windowStart.map({ now - $0 >= window }) ?? true {
            windowStart = now
            linesInWindow = 0
        }
        linesInWindow += 1
        var line = "refused a message on \(topic.prefix(200)): \(refusal.reason) [\(refusal.code.rawValue)]"
        if unsaid > 0 {
            line += " (and \(unsaid) more refused before, not logged)"
            unsaid = 0
        }
        return line
    }
}

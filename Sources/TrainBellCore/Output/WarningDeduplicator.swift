/// Remembers the warnings already reported, so a warning printed again
/// (every step, every epoch) is reported once.
///
/// Bounded: it remembers the last ``capacity`` different texts and forgets
/// the oldest first, so a training that prints ever new warnings cannot
/// make it grow without end.
struct WarningDeduplicator: Sendable {
    /// How many different warnings are remembered.
    static let capacity = 256

    private var seen: Set<String> = []
    private var order: [String] = []
    private var oldest = 0

    /// Whether `message` is new; remembers it.
    mutating func isNew(_ message: String) -> Bool {
        guard !seen.contains(message) else { return false }
        seen.insert(message)
        if order.count < Self.capacity {
            order.append(message)
        } else {
            seen.remove(order[oldest])
            order[oldest] = message
            oldest = (oldest + 1) % Self.capacity
        }
        return true
    }

    /// How many warnings are remembered.
    var count: Int { seen.count }
}

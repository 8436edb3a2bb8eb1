/// When to announce a change of many things that change often (a job's `PropertiesChanged`): each
/// key at most once per `interval`, all keys together at most `perSecond` a second (a token bucket of
/// `burst` tokens), and the last change of every key always announced — a key whose change cannot go
/// now waits, once, in a queue served in order. Pure: times are given (µs), nothing is scheduled here;
/// the caller runs one timer at ``nextDue`` and asks for the keys ``due(now:)``.
public struct AnnouncementPacer<Key: Hashable & Sendable>: Sendable {
    public let interval: Int64
    public let perSecond: Double
    public let burst: Double

    private var last: [Key: Int64] = [:]
    private var queue: [(key: Key, due: Int64)] = []
    private var head = 0
    private var waiting: Set<Key> = []
    private var tokens: Double
    private var tokensAt: Int64?

    public init(interval: Int64, perSecond: Double, burst: Double) {
        self.interval = interval
        self.perSecond = perSecond
        self.burst = burst
        tokens = burst
    }

    /// Keys waiting for their turn.
    public var waitingCount: Int { waiting.count }

    /// `key` changed at `now`: true when it is to be announced now; otherwise it waits (if it was not
    /// waiting already) and comes out of ``due(now:)``.
    public mutating func changed(_ key: Key, now: Int64) -> Bool {
        guard !waiting.contains(key) else { return false }
        refill(now)
        let previous = last[key]
        if previous.map({ now - $0 >= interval }) ?? true, tokens >= 1 {
            tokens -= 1
            last[key] = now
            return true
        }
        waiting.insert(key)
        queue.append((key, max(now, previous.map { $0 + interval } ?? now)))
        return false
    }

    /// `key` is announced now whatever the pacing (before a notification of it): it stops waiting, and
    /// counts against the rate.
    public mutating func forced(_ key: Key, now: Int64) {
        refill(now)
        waiting.remove(key)
        last[key] = now
        tokens = max(tokens - 1, -burst)
    }

    /// The waiting keys whose turn has come, in the order they began to wait; they count as announced.
    public mutating func due(now: Int64) -> [Key] {
        refill(now)
        var keys: [Key] = []
        while head < queue.count {
            let (key, due) = queue[head]
            guard waiting.contains(key) else { head += 1; continue }
            guard due <= now, tokens >= 1 else { break }
            head += 1
            waiting.remove(key)
            tokens -= 1
            last[key] = now
            keys.append(key)
        }
        compact()
        return keys
    }

    /// When the first waiting key may go; nil when none waits.
    public mutating func nextDue() -> Int64? {
        while head < queue.count, !waiting.contains(queue[head].key) { head += 1 }
        compact()
        guard head < queue.count else { return nil }
        let due = queue[head].due
        guard tokens < 1, let at = tokensAt else { return due }
        let refilled = at + Int64(((1 - tokens) / perSecond * 1_000_000).rounded(.up))
        return max(due, refilled)
    }

    /// `key` is gone: no longer paced or waiting.
    public mutating func forget(_ key: Key) {
        last.removeValue(forKey: key)
        waiting.remove(key)
    }

    private mutating func refill(_ now: Int64) {
        if let at = tokensAt, now > at {
            tokens = min(burst, tokens + Double(now - at) * perSecond / 1_000_000)
        }
        if tokensAt.map({ now > $0 }) ?? true { tokensAt = now }
    }

    private mutating func compact() {
        if head == queue.count {
            queue.removeAll(keepingCapacity: queue.count <= 1_024)
            head = 0
        } else if head > 1_024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}

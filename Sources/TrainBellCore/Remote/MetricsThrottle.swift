/// Metrics of one job as a publisher sends them to a broker. They travel with QoS 1 on `B/events`,
/// where a broker caps what it keeps for an offline trainbelld (Mosquitto's `max_queued_messages`,
/// 1,000 by default), so a run that logs numbers every few steps must not fill that queue and push
/// its completion out. Reports are merged (each name's latest value, at the latest step) and sent at
/// most once an ``interval``, the interval doubling after every ``messagesPerDoubling`` messages
/// (by default 10 s and 100: six a minute at first, fewer than 700 in a day of logging, fewer than
/// 1,000 in eleven days). A value that is NaN or
/// infinite goes at once (it is the signal that a loss diverged), as does what is kept at the job's
/// end (``flush()``). Pure: the clock (microseconds) is passed in. `trainbell run` uses it over D-Bus
/// too, at a fixed 100 ms (`messagesPerDoubling: .max`), for the log dicts a training prints.
public struct MetricsThrottle: Sendable {
    public var interval: Int64
    public var messagesPerDoubling: Int
    public private(set) var sent = 0
    private var lastSent: Int64?
    private var pending: (step: UInt64, values: [String: Double])?

    public init(interval: Int64 = 10_000_000, messagesPerDoubling: Int = 100) {
        self.interval = interval
        self.messagesPerDoubling = messagesPerDoubling
    }

    /// The least time between two messages now.
    public var currentInterval: Int64 {
        interval << Int64(min(sent / max(1, messagesPerDoubling), 30))
    }

    /// A report: the merged metrics to send now, or nil when they are kept for ``due(now:)``.
    public mutating func report(step: UInt64, values: [String: Double], now: Int64) -> (step: UInt64, values: [String: Double])? {
        let mergedStep = max(step, pending?.step ?? 0)
        var merged = pending?.values ?? [:]
        pending = nil  // the kept values' only other reference: the merge below is made in place
        merged.merge(values) { $1 }
        pending = (mergedStep, merged)
        let urgent = values.values.contains { !$0.isFinite }
        if urgent || lastSent.map({ now - $0 >= currentInterval }) ?? true { return take(now: now) }
        return nil
    }

    /// What is kept, when its interval has passed.
    public mutating func due(now: Int64) -> (step: UInt64, values: [String: Double])? {
        guard let next = nextDue, now >= next else { return nil }
        return take(now: now)
    }

    /// The job ends (or errs): what is kept goes now.
    public mutating func flush(now: Int64) -> (step: UInt64, values: [String: Double])? {
        pending == nil ? nil : take(now: now)
    }

    /// When the kept metrics are due; nil when none are kept.
    public var nextDue: Int64? {
        guard pending != nil else { return nil }
        return (lastSent ?? 0) + currentInterval
    }

    private mutating func take(now: Int64) -> (step: UInt64, values: [String: Double])? {
        defer { pending = nil }
        lastSent = now
        sent += 1
        return pending
    }
}

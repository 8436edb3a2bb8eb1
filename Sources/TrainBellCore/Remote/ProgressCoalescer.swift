/// Progress as a publisher sends it to a broker: at most one message per job per ``interval``; a
/// report in between is kept (the latest wins) and goes out when the interval has passed, so the
/// last step is never lost. Pure: the clock (microseconds) is passed in.
public struct ProgressCoalescer: Sendable, Hashable {
    public var interval: Int64
    private var lastSent: [String: Int64] = [:]
    private var pending: [String: RemoteEvent] = [:]

    public init(interval: Int64 = 1_000_000) {
        self.interval = interval
    }

    /// A progress report: returned when it may go now, else kept for ``due(now:)``.
    public mutating func report(_ event: RemoteEvent, now: Int64) -> RemoteEvent? {
        if let last = lastSent[event.job], now - last < interval {
            pending[event.job] = event
            return nil
        }
        lastSent[event.job] = now
        pending[event.job] = nil
        return event
    }

    /// The kept reports whose interval has passed.
    public mutating func due(now: Int64) -> [RemoteEvent] {
        var out: [RemoteEvent] = []
        for (job, event) in pending where now - (lastSent[job] ?? 0) >= interval {
            out.append(event)
            lastSent[job] = now
            pending[job] = nil
        }
        return out.sorted { $0.job < $1.job }
    }

    /// The job ended: its kept report, if any, goes now (before the end), and it is forgotten.
    public mutating func flush(job: String) -> RemoteEvent? {
        lastSent[job] = nil
        return pending.removeValue(forKey: job)
    }

    /// When the next kept report is due; nil when none waits.
    public var nextDue: Int64? {
        pending.keys.compactMap { lastSent[$0].map { $0 + interval } }.min()
    }
}

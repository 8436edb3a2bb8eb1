/// How fast a run moves, from its recent progress reports: the time left ("about 12 min left") for
/// the progress notifications, `trainbell status` and Plasma's job view.
///
/// The estimate is the median of the rates between the last reports, so that one pause (an
/// evaluation, a checkpoint written) or one burst does not swing it, and it follows a run whose pace
/// changes. It says nothing before it has enough to go on: ``minimumReports`` reports spanning
/// ``minimumSpan`` or more.
///
/// Transient: it is not saved with the job and takes no part in comparing jobs (a restored job
/// estimates again from its next reports).
public struct ProgressRate: Sendable, Hashable, Codable {
    /// How many of the latest reports are kept.
    public static let capacity = 16
    /// The fewest reports that give an estimate.
    public static let minimumReports = 4
    /// The least time they must span, in microseconds (10 s).
    public static let minimumSpan: Int64 = 10_000_000

    /// (time in microseconds, step), oldest first; only reports that moved forward.
    private var samples: [Sample] = []

    private struct Sample: Sendable, Codable {
        var time: Int64
        var step: UInt64
    }

    public init() {}

    /// Notes that the run was at `step` at `time`. A step that goes back (a new run reusing the id,
    /// a resumed checkpoint) starts over.
    public mutating func record(step: UInt64, at time: Int64) {
        if let last = samples.last {
            if step < last.step || time < last.time { samples.removeAll(keepingCapacity: true) }
            else if step == last.step { return }
        }
        if samples.count == Self.capacity { samples.removeFirst() }
        samples.append(Sample(time: time, step: step))
    }

    /// Steps per second: the median of the rates between consecutive reports; nil without enough reports.
    public var stepsPerSecond: Double? {
        guard samples.count >= Self.minimumReports,
              let first = samples.first, let last = samples.last, last.time - first.time >= Self.minimumSpan
        else { return nil }
        var rates: [Double] = []
        rates.reserveCapacity(samples.count - 1)
        for (a, b) in zip(samples, samples.dropFirst()) where b.time > a.time {
            rates.append(Double(b.step - a.step) / (Double(b.time - a.time) / 1_000_000))
        }
        guard !rates.isEmpty else { return nil }
        rates.sort()
        let middle = rates.count / 2
        let median = rates.count % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2
        return median > 0 && median.isFinite ? median : nil
    }

    /// Seconds until `total`, from `current` at the last report; nil when the total is unknown, the run
    /// is done, or there is not enough to go on. Never negative.
    public func secondsLeft(current: UInt64, total: UInt64) -> Double? {
        guard total > 0, current < total, let rate = stepsPerSecond else { return nil }
        return max(0, Double(total - current) / rate)
    }

    // Transient: every rate compares equal, so jobs compare by what they are.
    public static func == (_: ProgressRate, _: ProgressRate) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}

    // Not saved: a decoded job starts with an empty estimate.
    public init(from decoder: any Decoder) throws { self.init() }
    public func encode(to encoder: any Encoder) throws {}
}

/// Time left as people say it: "less than a minute", "about 7 min", "about 25 min" (to 5 min),
/// "about 2 h 15 min" (to 15 min), "about 14 h", "about 3 days".
public enum TimeLeft {
    public static func describe(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "" }
        if seconds >= 8_640_000 { return "more than 100 days left" }
        let minutes = seconds / 60
        if minutes < 1 { return "less than a minute left" }
        if minutes < 10 { return "about \(Int(minutes.rounded())) min left" }
        if minutes < 57.5 { return "about \(Int((minutes / 5).rounded()) * 5) min left" }
        let quarters = Int((minutes / 15).rounded())
        let hours = quarters / 4
        if hours < 10 {
            let rest = (quarters % 4) * 15
            return rest == 0 ? "about \(hours) h left" : "about \(hours) h \(rest) min left"
        }
        if minutes < 47.5 * 60 { return "about \(Int((minutes / 60).rounded())) h left" }
        return "about \(Int((minutes / 1_440).rounded())) days left"
    }
}

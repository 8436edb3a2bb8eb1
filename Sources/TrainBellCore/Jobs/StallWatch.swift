/// Whether a running job has silently stopped (a hung NCCL collective, a dead data loader, a deadlock
/// after a checkpoint): no progress and no metrics for longer than
/// `max(minimum, factor × the median interval between its recent updates)`. One warning per silent
/// gap: when updates resume the job clears, and a later gap warns again.
///
/// Pure, time passed in (microseconds): the daemon keeps one per running job and one timer for the
/// earliest ``deadline(minimum:factor:)`` of them all.
public struct StallWatch: Sendable {
    /// How many recent intervals the median is taken over.
    public static let intervalCount = 16
    /// The default least silence that counts: 10 minutes.
    public static let defaultMinimum: Int64 = 600_000_000
    /// The default factor of the usual interval: 20 times.
    public static let defaultFactor = 20.0

    /// When the job last reported.
    public private(set) var lastUpdate: Int64
    /// Whether the current silence was warned of.
    public private(set) var warned = false
    private var intervals: [Int64] = []

    public init(startedAt time: Int64) {
        lastUpdate = time
    }

    /// The job reported (progress or metrics) at `time`. Returns true when this ends a silence that was
    /// warned of (the job resumed).
    @discardableResult
    public mutating func update(at time: Int64) -> Bool {
        let resumed = warned
        warned = false
        if time > lastUpdate {
            if intervals.count == Self.intervalCount { intervals.removeFirst() }
            intervals.append(time - lastUpdate)
            lastUpdate = time
        }
        return resumed
    }

    /// The median interval between the recent updates; nil before two updates.
    public var usualInterval: Int64? {
        guard !intervals.isEmpty else { return nil }
        let sorted = intervals.sorted()
        return sorted[sorted.count / 2]
    }

    /// The silence that counts as a stall: nil when stalls are off (`minimum` or `factor` 0).
    public func threshold(minimum: Int64, factor: Double) -> Int64? {
        guard minimum > 0, factor > 0 else { return nil }
        guard let usual = usualInterval else { return minimum }
        let scaled = Double(usual) * factor
        return scaled >= Double(Int64.max / 2) ? Int64.max / 2 : max(minimum, Int64(scaled))
    }

    /// When the job counts as stalled if it stays silent; nil when it was warned already or stalls are off.
    public func deadline(minimum: Int64, factor: Double) -> Int64? {
        guard !warned, let threshold = threshold(minimum: minimum, factor: factor) else { return nil }
        let (deadline, overflow) = lastUpdate.addingReportingOverflow(threshold)
        return overflow ? .max : deadline
    }

    /// At `now`: the warning's text when the job just became stalled ("no progress for 14 min (a step
    /// every 2.1 s before)"), once per silence. `secondsPerStep`: the pace before, when known.
    public mutating func check(now: Int64, minimum: Int64, factor: Double, secondsPerStep: Double?) -> String? {
        guard let deadline = deadline(minimum: minimum, factor: factor), now >= deadline else { return nil }
        warned = true
        var text = "no progress for " + Self.duration(now - lastUpdate)
        if let secondsPerStep, secondsPerStep.isFinite, secondsPerStep > 0 {
            text += " (a step every " + Self.seconds(secondsPerStep) + " before)"
        } else if let usual = usualInterval {
            text += " (an update every " + Self.seconds(Double(usual) / 1_000_000) + " before)"
        }
        return text
    }

    /// "14 min", "2 h 5 min", "45 s".
    static func duration(_ microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        if seconds < 60 { return "\(seconds) s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes) min" }
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }

    /// "2.1 s", "40 s", "3 min".
    static func seconds(_ value: Double) -> String {
        if value < 10 { return String(Double((value * 10).rounded()) / 10) + " s" }
        if value < 120 { return "\(Int(value.rounded())) s" }
        return "\(Int((value / 60).rounded())) min"
    }
}

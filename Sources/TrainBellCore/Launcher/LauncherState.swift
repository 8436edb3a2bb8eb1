/// What one app's launcher icon shows, from everything that puts progress
/// on it: its jobs and its `SetProgress` state.
///
/// Each source is an entry with a progress in 0...1. While any entry
/// exists the bar is visible at the mean of their progress; the badge
/// counts the entries and is visible when there are two or more; the icon
/// is urgent while an entry failed (an error was the last thing its job
/// reported) or is flashing. A completed entry flashes: it stays at 1.0
/// and urgent until its deadline, which the daemon turns into a timer that
/// calls ``expire(now:)``. With no entry left, the icon shows
/// ``LauncherEntryProperties/cleared``.
///
/// `SetProgress` is one more entry (``Source/setProgress``), so an app that
/// uses it alongside jobs is averaged in like a job.
public struct LauncherState: Sendable, Hashable {
    /// What an entry comes from.
    public enum Source: Sendable, Hashable {
        /// A job of the app.
        case job(JobID)
        /// The app's own `SetProgress(app_id, value)` state.
        case setProgress
    }

    /// One source's share of the icon.
    struct Entry: Sendable, Hashable {
        /// In 0...1.
        var progress: Double
        /// An error was the last thing reported.
        var failed = false
        /// Completed: flashing until then (µs).
        var flashUntil: Int64?
    }

    private var entries: [Source: Entry] = [:]

    /// An icon with nothing on it.
    public init() {}

    /// Whether nothing puts progress on the icon.
    public var isEmpty: Bool { entries.isEmpty }

    /// The sources on the icon.
    public var sources: Set<Source> { Set(entries.keys) }

    /// Whether `source` is on the icon.
    public func contains(_ source: Source) -> Bool { entries[source] != nil }

    /// A source runs at `fraction` (clamped to 0...1, NaN as 0): it appears,
    /// moves, or runs again after an error or a completion.
    public mutating func setProgress(_ fraction: Double, for source: Source) {
        entries[source] = Entry(progress: Self.clamped(fraction))
    }

    /// A source reported an error: the icon is urgent while this is its last
    /// report. A source not yet on the icon appears at 0.
    public mutating func markFailed(_ source: Source) {
        var entry = entries[source] ?? Entry(progress: 0)
        entry.failed = true
        entry.flashUntil = nil
        entries[source] = entry
    }

    /// A source completed: full and urgent until `now + flashDuration`, then
    /// gone (at the next ``expire(now:)``). A duration of 0 or less removes
    /// it at once.
    public mutating func complete(_ source: Source, now: Int64, flashDuration: Int64) {
        guard flashDuration > 0 else {
            entries[source] = nil
            return
        }
        let (deadline, overflow) = now.addingReportingOverflow(flashDuration)
        entries[source] = Entry(progress: 1, flashUntil: overflow ? .max : deadline)
    }

    /// A source left the icon at once (cancelled, `SetProgress` -1).
    public mutating func remove(_ source: Source) {
        entries[source] = nil
    }

    /// Ends the flashes whose deadline is `now` or earlier.
    public mutating func expire(now: Int64) {
        entries = entries.filter { _, entry in
            guard let deadline = entry.flashUntil else { return true }
            return deadline > now
        }
    }

    /// The earliest flash deadline; nil when nothing flashes.
    public var nextDeadline: Int64? {
        entries.values.compactMap(\.flashUntil).min()
    }

    /// What the icon shows now.
    public var properties: LauncherEntryProperties {
        guard !entries.isEmpty else { return .cleared }
        // Summed in sorted order, so the same entries give the same mean
        // whatever the dictionary's order.
        let total = entries.values.map(\.progress).sorted().reduce(0, +)
        let count = entries.count
        return LauncherEntryProperties(
            progress: min(max(total / Double(count), 0), 1),
            progressVisible: true,
            count: Int64(count),
            countVisible: count > 1,
            urgent: entries.values.contains { $0.failed || $0.flashUntil != nil })
    }

    private static func clamped(_ fraction: Double) -> Double {
        fraction.isNaN ? 0 : min(max(fraction, 0), 1)
    }
}

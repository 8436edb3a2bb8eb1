/// What the launcher (dock, task manager) shows for an app's progress.
public enum TaskbarProgress: Sendable, Hashable {
    /// No progress bar.
    case hidden
    /// A progress bar at `fraction`, in 0...1.
    case running(fraction: Double)
    /// The completion: full bar and the urgent flash, then hidden.
    case completed

    /// Reads the seed's `set-progress` value (`SetProgress`): 0.0 up to
    /// below 1.0 shows progress, 1.0 or more is the completion, negative
    /// values (-1) and NaN remove the indicator.
    public init(setProgressValue value: Double) {
        if value.isNaN || value < 0 {
            self = .hidden
        } else if value >= 1 {
            self = .completed
        } else {
            self = .running(fraction: value)
        }
    }

    /// The fraction of a run done: `current / total`, always in 0...1 (steps
    /// beyond the total count as the total; a total of 0 gives 0).
    public static func fraction(current: UInt64, total: UInt64) -> Double {
        guard total > 0 else { return 0 }
        let fraction = Double(min(current, total)) / Double(total)
        return min(max(fraction, 0), 1)
    }

    /// The whole percentage of a run done, rounded down: 0...100 (steps
    /// beyond the total count as the total; a total of 0 gives 0).
    public static func percent(current: UInt64, total: UInt64) -> Int {
        guard total > 0 else { return 0 }
        return Int(UInt128(min(current, total)) * 100 / UInt128(total))
    }
}

/// Flood control for errors: identical errors (same job, same error type,
/// same message) within a window collapse into one.
///
/// The first error is sent and opens a window of ``window`` microseconds;
/// repeats inside it are counted, not sent. The first repeat after the
/// window is sent again and opens a new window, so a recurring error is
/// still reported now and then. If the clock goes back before the window's
/// start, the window is over. Time is passed in; nothing here reads a clock.
public struct ErrorCollapser: Sendable, Hashable {
    /// One minute, in microseconds.
    public static let defaultWindow: Int64 = 60_000_000

    /// The length of a window in microseconds; 0 or less collapses nothing.
    public let window: Int64

    private var openWindows: [Key: OpenWindow] = [:]

    /// Creates a collapser with windows of `window` microseconds.
    public init(window: Int64 = ErrorCollapser.defaultWindow) {
        self.window = window
    }

    /// Decides whether an error report is notified, and counts it.
    public mutating func decide(jobID: String, errorType: String, message: String, now: Int64)
        -> ErrorCollapseDecision
    {
        let key = Key(jobID: jobID, errorType: errorType, message: message)
        removeClosedWindows(now: now)
        if var open = openWindows[key] {
            open.count += 1
            openWindows[key] = open
            return .collapse(count: open.count, firstSentAt: open.start)
        }
        if window > 0 {
            openWindows[key] = OpenWindow(start: now, count: 1)
        }
        return .send
    }

    /// Forgets everything about a job (e.g. when it starts a new run).
    public mutating func forget(jobID: String) {
        openWindows = openWindows.filter { $0.key.jobID != jobID }
    }

    /// The number of errors currently in a window (for tests and
    /// diagnostics).
    public var openWindowCount: Int { openWindows.count }

    private mutating func removeClosedWindows(now: Int64) {
        openWindows = openWindows.filter { isInside(now, windowStartingAt: $0.value.start) }
    }

    private func isInside(_ now: Int64, windowStartingAt start: Int64) -> Bool {
        let (elapsed, overflow) = now.subtractingReportingOverflow(start)
        return !overflow && elapsed >= 0 && elapsed < window
    }

    /// What makes two errors identical.
    private struct Key: Sendable, Hashable {
        var jobID: String
        var errorType: String
        var message: String
    }

    /// A sent error and the repeats counted since.
    private struct OpenWindow: Sendable, Hashable {
        var start: Int64
        var count: Int
    }
}

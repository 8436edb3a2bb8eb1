/// One report `trainbell run` sends to trainbelld about its job, as a value
/// (the CLI turns it into the D-Bus call of the same name).
public enum RunReport: Sendable, Equatable {
    /// `StartJob`: `total` 0 when the length is not known yet.
    case start(title: String, total: UInt64, appID: String?)
    /// `ReportProgress`: `total` 0 keeps the known total.
    case progress(current: UInt64, total: UInt64)
    /// `ReportMetrics`: the numbers a log line held, at the step the progress bar showed last.
    case metrics(MetricReport)
    /// `ReportError`, with the urgency left to the error type.
    case error(message: String, type: String)
    /// `ReportWarning`.
    case warning(message: String)
    /// `CompleteJob`.
    case complete(message: String)
    /// `CancelJob`.
    case cancel

    /// Whether a newer report of its kind may stand for it (progress, metrics): such reports are
    /// coalesced, and wait beside a full queue, rather than counted as dropped.
    var isCoalesced: Bool {
        switch self {
        case .progress, .metrics: true
        default: false
        }
    }

    /// Whether `self` and `other` are coalesced reports of one kind.
    func isSameCoalescedKind(as other: RunReport) -> Bool {
        switch (self, other) {
        case (.progress, .progress), (.metrics, .metrics): true
        default: false
        }
    }

    /// Whether the report ends the job (`CompleteJob`, `CancelJob`).
    var isEnd: Bool {
        switch self {
        case .complete, .cancel: true
        default: false
        }
    }
}

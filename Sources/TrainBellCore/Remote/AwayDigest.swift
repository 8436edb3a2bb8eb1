/// What happened on remote hosts while the desktop was away (the broker's backlog), as one
/// notification instead of a burst: "While you were away" — "run-42 finished on gpu-07",
/// "run-43 failed on gpu-07: CUDA out of memory". One line per job that had something to say,
/// ordered by the publishers' time of its last event (ordering only: the time is the publisher's
/// word). A digest that names a failure is urgent and ignores Do Not Disturb, as errors do.
public struct AwayDigest: Sendable, Hashable {
    /// The longest error text quoted in a line.
    public static let quotedCharacters = 80

    struct Outcome: Sendable, Hashable {
        var host: String
        var job: String
        var started = false
        var percent: Int?
        var finished = false
        var cancelled = false
        var failure: String?
        var failures = 0
        var warnings = 0
        var lastTime = 0.0
        var arrival = 0
    }

    private var outcomes: [String: Outcome] = [:]
    private var arrivals = 0

    public init() {}

    public var isEmpty: Bool { outcomes.isEmpty }
    /// Whether a job failed in it.
    public var hasFailure: Bool { outcomes.values.contains { $0.failures > 0 } }

    /// Notes one event of the backlog.
    public mutating func add(_ event: RemoteEvent) {
        let key = event.desktopID
        arrivals += 1
        var outcome = outcomes[key] ?? Outcome(host: event.host, job: event.job)
        outcome.lastTime = max(outcome.lastTime, event.time)
        outcome.arrival = arrivals
        switch event.kind {
        case .start:
            outcome = Outcome(host: event.host, job: event.job, started: true, lastTime: event.time, arrival: arrivals)
        case .progress(let step, let total):
            if total > 0 { outcome.percent = Int(min(100, Double(step) / Double(total) * 100)) }
        case .metrics:
            return
        case .error(let message, _, _):
            outcome.failures += 1
            if outcome.failure == nil { outcome.failure = Self.firstLine(message) }
        case .warning:
            outcome.warnings += 1
        case .complete:
            outcome.finished = true
        case .cancel:
            outcome.cancelled = true
        }
        outcomes[key] = outcome
    }

    static func firstLine(_ message: String) -> String {
        let line = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = String(line.trimmingWhitespace)
        return trimmed.count > quotedCharacters ? String(trimmed.prefix(quotedCharacters - 1)) + "…" : trimmed
    }

    /// The lines, oldest job first.
    public var lines: [String] {
        outcomes.values.sorted { ($0.lastTime, $0.arrival) < ($1.lastTime, $1.arrival) }.map { o in
            var verb: String
            if o.finished {
                verb = "finished"
            } else if o.cancelled {
                verb = "was cancelled"
            } else if o.failures > 0 {
                verb = "failed"
            } else if let percent = o.percent {
                verb = "reached \(percent) %"
            } else if o.started {
                verb = "started"
            } else {
                verb = "reported"
            }
            var line = "\(o.job) \(verb) on \(o.host)"
            if o.failures > 0 {
                if o.finished || o.cancelled { line += ", failed" }
                if let failure = o.failure, !failure.isEmpty { line += ": " + failure }
                if o.failures > 1 { line += " (\(o.failures) errors)" }
            }
            if o.warnings > 0 { line += o.warnings == 1 ? " (1 warning)" : " (\(o.warnings) warnings)" }
            return line
        }
    }

    /// The notification.
    public var event: NotificationEvent {
        let failed = hasFailure
        return NotificationEvent(type: .digest, title: "While you were away", message: lines.joined(separator: "\n"),
                                 urgency: failed ? .critical : .normal, respectsDoNotDisturb: !failed)
    }
}

/// What Do Not Disturb held back during one period, per job, and the one digest notification that
/// summarizes it when the period ends ("run-42: reached 75 %, finished, loss 2.31 → 0.42"), instead
/// of replaying it all. When one finished job had a loss chart, the digest shows it; with several, none
/// (one picture cannot stand for them all), and only one picture is ever kept.
public struct DoNotDisturbDigest: Sendable, Hashable {
    /// What one job missed.
    struct Missed: Sendable, Hashable {
        var highestMilestone: Int?
        var finished = false
        var loss: String?
        var warnings = 0
        var others = 0
    }

    /// A finished job's loss chart.
    struct Chart: Sendable, Hashable {
        var job: String
        var image: NotificationImage
    }

    /// Jobs in the order they first had something held back.
    private var order: [String] = []
    private var missed: [String: Missed] = [:]
    /// Records held back in this period, in order (their history ids).
    public private(set) var heldRecordIDs: [UInt64] = []
    /// The loss chart of the one job that finished with one in this period.
    private var chart: Chart?
    /// Whether completions of more than one job brought a chart.
    private var chartsOfSeveralJobs = false

    public init() {}

    public var isEmpty: Bool { heldRecordIDs.isEmpty }

    /// Notes a record that DND held back.
    public mutating func hold(_ record: NotificationRecord) {
        let job = record.jobID
        if missed[job] == nil {
            order.append(job)
            missed[job] = Missed()
        }
        switch record.event.type {
        case .progress:
            if let m = record.event.milestone { missed[job]!.highestMilestone = max(missed[job]!.highestMilestone ?? 0, m) }
        case .completion:
            missed[job]!.finished = true
            if let loss = record.event.lossSummary { missed[job]!.loss = loss }
            if let image = record.event.image, !chartsOfSeveralJobs {
                if let kept = chart, kept.job != job {
                    chart = nil
                    chartsOfSeveralJobs = true
                } else {
                    chart = Chart(job: job, image: image)
                }
            }
        case .warning: missed[job]!.warnings += 1
        default: missed[job]!.others += 1
        }
        heldRecordIDs.append(record.id)
    }

    /// One line per job: "run-42: reached 75 %, finished, 2 warnings".
    public var lines: [String] {
        order.compactMap { job in
            guard let m = missed[job] else { return nil }
            var parts: [String] = []
            if let milestone = m.highestMilestone { parts.append("reached \(milestone) %") }
            if m.finished { parts.append("finished") }
            if m.finished, let loss = m.loss { parts.append(loss) }
            if m.warnings > 0 { parts.append(m.warnings == 1 ? "1 warning" : "\(m.warnings) warnings") }
            if m.others > 0 { parts.append(m.others == 1 ? "1 notification" : "\(m.others) notifications") }
            return "\(job.isEmpty ? "(no job)" : job): " + parts.joined(separator: ", ")
        }
    }

    /// The digest notification, titled by the `digest` template.
    public func event(templates: MessageTemplates = .standard) -> NotificationEvent {
        let message = lines.joined(separator: "\n")
        let values = TemplateValues(message: message)
        var event = NotificationEvent(type: .digest, title: templates.title(for: .digest, milestone: nil, values: values),
                                      message: message, urgency: .normal, respectsDoNotDisturb: true)
        event.image = chart?.image
        return event
    }
}

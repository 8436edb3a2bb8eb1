/// The values a ``MessageTemplate`` puts in for its placeholders.
public struct TemplateValues: Sendable, Hashable {
    /// `{job}`: the job id.
    public var job: String
    /// `{title}`: the job's title.
    public var title: String
    /// `{step}`: the step reached.
    public var step: UInt64
    /// `{total}`: the number of steps (0 when unknown).
    public var total: UInt64
    /// `{percent}`: the whole percentage done, rounded down.
    public var percent: Int
    /// `{milestone}`: the milestone notified (progress), else the percentage.
    public var milestone: Int
    /// `{message}`: the trainer's message, as given.
    public var message: String
    /// `{time_left}`: "about 12 min left" at the recent pace, "" before that is known.
    public var timeLeft: String

    /// Creates values; `milestone` defaults to `percent`.
    public init(
        job: String = "",
        title: String = "",
        step: UInt64 = 0,
        total: UInt64 = 0,
        percent: Int = 0,
        milestone: Int? = nil,
        message: String = "",
        timeLeft: String = ""
    ) {
        self.job = job
        self.title = title
        self.step = step
        self.total = total
        self.percent = percent
        self.milestone = milestone ?? percent
        self.message = message
        self.timeLeft = timeLeft
    }

    /// The text for a placeholder name (without braces), or nil when the
    /// name is not a placeholder.
    public func value(forPlaceholder name: Substring) -> String? {
        switch name {
        case "job": job
        case "title": title
        case "step": String(step)
        case "total": String(total)
        case "percent": String(percent)
        case "milestone": String(milestone)
        case "message": message
        case "time_left": timeLeft
        default: nil
        }
    }
}

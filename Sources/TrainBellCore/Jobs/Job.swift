/// The state of one training run of a job, as the daemon keeps it and
/// exports it on the job's object.
///
/// Changes go through the transitions in `Job+Transitions.swift`, which
/// return what should be notified as values; the daemon delivers them.
public struct Job: Sendable, Hashable, Codable {
    /// The job's id.
    public let id: JobID
    /// The title shown in notifications (`{title}`).
    public var title: String
    /// The number of steps of the run; 0 when unknown.
    public var totalSteps: UInt64
    /// The step reached (never above ``totalSteps`` when that is known).
    public var currentStep: UInt64
    /// Where the run is in its life cycle.
    public var state: JobState
    /// The desktop entry id for the launcher, without `.desktop`; nil when
    /// none is known.
    public var appID: String?
    /// The icon name or path for notifications; nil for the default.
    public var icon: String?
    /// The message of the last error, nil when there was none in this run: at most
    /// ``lastErrorLimit`` bytes (the `LastError` property's contract; the full text is in the history).
    public var lastError: String?
    /// 4 KiB, as the interface promises for `LastError`.
    public static let lastErrorLimit = 4_096
    /// When the run started, in microseconds since the Unix epoch.
    public var startedAt: Int64
    /// When the run last changed, in microseconds since the Unix epoch.
    public var updatedAt: Int64
    /// The milestones of the run and which were notified.
    public var milestones: MilestoneTracker
    /// How fast the run moves lately (the time left); not saved.
    public var rate = ProgressRate()
    /// Where the job runs: "" on this desktop, else the remote host its reports came from (`Host`
    /// of the job object; saved in the history, not in this type's coding).
    public var host = ""

    private enum CodingKeys: String, CodingKey {
        case id, title, totalSteps, currentStep, state, appID, icon, lastError, startedAt, updatedAt, milestones
    }

    /// Creates a job with every field given, e.g. restored from the state
    /// the daemon persisted; most callers want
    /// ``start(id:title:totalSteps:appID:icon:milestones:now:)``.
    public init(
        id: JobID,
        title: String,
        totalSteps: UInt64,
        currentStep: UInt64,
        state: JobState,
        appID: String?,
        icon: String?,
        lastError: String?,
        startedAt: Int64,
        updatedAt: Int64,
        milestones: MilestoneTracker
    ) {
        self.id = id
        self.title = title
        self.totalSteps = totalSteps
        self.currentStep = currentStep
        self.state = state
        self.appID = appID
        self.icon = icon
        self.lastError = lastError
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.milestones = milestones
    }

    /// The fraction of the run done, in 0...1 (0 while the total is unknown).
    public var progress: Double {
        TaskbarProgress.fraction(current: currentStep, total: totalSteps)
    }

    /// The whole percentage of the run done, rounded down (0 while the total
    /// is unknown).
    public var percent: Int {
        TaskbarProgress.percent(current: currentStep, total: totalSteps)
    }

    /// Seconds until the run ends at its recent pace; nil before there is enough to go on (see
    /// ``ProgressRate``), when the total is unknown, or once it ended.
    public var secondsLeft: Double? {
        state == .running ? rate.secondsLeft(current: currentStep, total: totalSteps) : nil
    }

    /// The values for this job's message templates.
    public func templateValues(milestone: Int? = nil, message: String = "") -> TemplateValues {
        TemplateValues(
            job: id.rawValue,
            title: title,
            step: currentStep,
            total: totalSteps,
            percent: percent,
            milestone: milestone,
            message: message,
            timeLeft: secondsLeft.map(TimeLeft.describe) ?? "")
    }
}

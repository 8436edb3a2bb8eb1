import TrainBellCore

/// What the user configured in `$XDG_CONFIG_HOME/trainbell/config`
/// (DESIGN.md section 7), as values ready for the core and the daemon.
///
/// Every setting is optional; `Configuration()` is the built-in behaviour.
/// Times are in microseconds, like every time in `TrainBellCore`.
struct Configuration: Sendable, Hashable {
    // MARK: [milestones], [templates], [sounds], [urgency]

    /// The progress percentages that notify; 100 (the completion) always.
    var milestones = MilestoneSet.standard
    /// Templates, the error-type → urgency table and the sound of each type.
    var composer = EventComposer.standard
    /// Who plays the sounds (`[sounds] play`): trainbelld too where the server cannot, or the server only.
    var soundFallback = SoundFallback()

    // MARK: [notifications]

    /// The longest bubble body, in characters (the full text stays in the
    /// history and behind `details`).
    var bodyMaxCharacters = NotificationText.defaultMaxCharacters
    /// The most lines of a bubble body.
    var bodyMaxLines = NotificationText.defaultMaxLines
    /// How long identical errors collapse into one, in microseconds; 0
    /// collapses nothing.
    var errorCollapseWindow = ErrorCollapser.defaultWindow
    /// The `app_name` of every notification.
    var appName = "trainbell"
    /// The `app_icon` of every notification (an icon name or an absolute
    /// path); nil for none.
    var iconName: String?
    /// Completions of jobs that report a loss carry its curve as their picture (`image-data`).
    var lossChart = true

    // MARK: [dnd]

    /// Whether one summary of what Do Not Disturb held back is shown when
    /// it ends.
    var sendsDigest = true
    /// The daily span that counts as Do Not Disturb; nil for none.
    var quietHours: QuietHours?

    // MARK: [launcher]

    /// The desktop entry id (without `.desktop`) of jobs that name no app
    /// and whose caller's app is unknown; nil for none.
    var defaultAppID: String?
    /// The most launcher updates per second per app.
    var launcherUpdatesPerSecond = 10
    /// How long a completed job's launcher progress stays (full and urgent)
    /// before it is hidden, in microseconds.
    var completionFlashDuration: Int64 = 5_000_000
    /// Whether jobs are also shown in KDE Plasma's job tracker.
    var usesKDEJobTracker = true

    // MARK: [actions]

    /// What "View Details" runs.
    var detailsCommand = ActionCommand.openDetails
    /// What "Retry" runs; nil for nothing (the click is still emitted as
    /// `ActionInvoked`).
    var retryCommand: ActionCommand?

    // MARK: [remote]

    /// The MQTT broker trainbelld follows, and how it logs in.
    var remote = BrokerSettings()

    // MARK: [away]

    /// When the user counts as away from the desk (`when`, `away-after`).
    var awayRule = AwayRule()

    // MARK: [sink NAME]

    /// Where events go besides the desktop (ntfy, a webhook, mail, MQTT, a command), in file order.
    var sinks: [SinkSettings] = []

    // MARK: [history]

    /// The most notification records kept; nil for no limit.
    var historyMaxRecords: Int? = 10_000
    /// The age after which notification records are deleted, in days; nil
    /// for no limit.
    var historyMaxAgeDays: Int? = 90
    /// The most the records may take, in MiB (the oldest go first); nil for
    /// no limit.
    var historyMaxSizeMB: Int? = 256

    // MARK: [progress]

    /// The least silence of a running job that counts as a stall, in microseconds; 0: no stall warnings.
    var stallMinimum = StallWatch.defaultMinimum
    /// How many times its usual interval between reports a job must stay silent; 0: no stall warnings.
    var stallFactor = StallWatch.defaultFactor

    // MARK: [metrics]

    /// A loss above this many times its recent median is one warning per run; 0: no warning.
    var lossJumpFactor = LossWatch.defaultFactor
    /// How many recent values of a loss that median is taken over.
    var lossJumpWindow = LossWatch.defaultWindow

    // MARK: Reading

    /// What the file set that trainbell ignores (unknown groups and keys,
    /// keys set twice, unknown placeholders, templates of milestones that
    /// are not configured), as `file:line: message` for the log.
    var warnings: [String] = []

    /// The built-in configuration.
    init() {}

    /// The shortest time between two launcher updates of one app, in
    /// microseconds.
    var launcherUpdateInterval: Int64 { 1_000_000 / Int64(launcherUpdatesPerSecond) }

    /// ``historyMaxAgeDays`` in microseconds; nil for no limit.
    var historyMaxAge: Int64? { historyMaxAgeDays.map { Int64($0) * 86_400_000_000 } }

    /// ``historyMaxSizeMB`` in bytes; nil for no limit.
    var historyMaxBytes: Int64? { historyMaxSizeMB.map { Int64($0) << 20 } }
}

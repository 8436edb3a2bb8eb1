/// What should be notified, decided by the domain logic before any delivery
/// facts are known (the seed's `NotificationEvent`).
public struct NotificationEvent: Sendable, Hashable, Codable {
    /// What the notification is about.
    public var type: NotificationType
    /// The summary line.
    public var title: String
    /// The body text, unshortened and unescaped.
    public var message: String
    /// The milestone percentage that fired; progress notifications only.
    public var milestone: Int?
    /// How urgent it is.
    public var urgency: Urgency
    /// Whether a sound should play.
    public var sound: Bool
    /// The freedesktop sound-theme name to play (e.g. `complete`,
    /// `dialog-error`) or the absolute path of a sound file, when `sound`
    /// is on and one is configured (``SoundCue/init(configured:)``).
    public var soundName: String?
    /// The buttons, in order.
    public var actions: [NotificationAction]
    /// The job's progress in 0...1 when known, for the launcher.
    public var taskbarProgress: Double?
    /// Whether Do Not Disturb holds this notification back (errors: no).
    public var respectsDoNotDisturb: Bool
    /// The trainer's error type (e.g. `oom_error`); errors only.
    public var errorType: String?
    /// The picture sent as the `image-data` hint (a completion's loss curve): for the server only,
    /// never encoded, recorded or announced.
    public var image: NotificationImage? = nil
    /// A completion's "loss 2.31 → 0.42", for the digest; like ``image``, never encoded (the
    /// message has it).
    public var lossSummary: String? = nil

    private enum CodingKeys: String, CodingKey {
        case type, title, message, milestone, urgency, sound, soundName, actions, taskbarProgress
        case respectsDoNotDisturb, errorType
    }

    /// Creates an event; the defaults are those of a quiet, plain notification.
    public init(
        type: NotificationType,
        title: String,
        message: String,
        milestone: Int? = nil,
        urgency: Urgency = .normal,
        sound: Bool = false,
        soundName: String? = nil,
        actions: [NotificationAction] = [],
        taskbarProgress: Double? = nil,
        respectsDoNotDisturb: Bool = true,
        errorType: String? = nil
    ) {
        self.type = type
        self.title = title
        self.message = message
        self.milestone = milestone
        self.urgency = urgency
        self.sound = sound
        self.soundName = soundName
        self.actions = actions
        self.taskbarProgress = taskbarProgress
        self.respectsDoNotDisturb = respectsDoNotDisturb
        self.errorType = errorType
    }
}

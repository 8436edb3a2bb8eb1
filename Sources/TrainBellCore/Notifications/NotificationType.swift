/// What a notification is about; the raw value is the `type` field of a
/// notification record on the bus and in the history.
public enum NotificationType: String, Sendable, Hashable, Codable, CaseIterable {
    /// A progress milestone (25%, 50%, …) of a running job.
    case progress
    /// A training error; always shown, even during Do Not Disturb.
    case error
    /// The end of a job (100% reached or `CompleteJob`).
    case completion
    /// A warning from the trainer.
    case warning
    /// The summary of what Do Not Disturb held back.
    case digest
    /// A notification sent through `Send` (notify-send style).
    case custom

    /// The freedesktop notification `category` hint for this type,
    /// e.g. `x-trainbell.progress`.
    public var category: String { "x-trainbell.\(rawValue)" }
}

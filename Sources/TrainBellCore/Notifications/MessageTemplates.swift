/// The title and message templates of every kind of notification, with the
/// user's overrides from the configuration (DESIGN sections 4 and 7).
///
/// A template is chosen in this order: the user's template for the
/// milestone, the user's template for the type, the default for the
/// milestone, the default for the type. Per-milestone templates apply to
/// progress notifications; 100% is the completion and uses the completion
/// templates.
public struct MessageTemplates: Sendable, Hashable {
    /// The default titles of the milestones that have their own.
    public static let defaultMilestoneTitles: [Int: MessageTemplate] = [
        25: "Training 25% Complete",
        50: "Training Halfway There!",
        75: "Training 75% Complete",
    ]

    /// The default titles per type.
    public static let defaultTitles: [NotificationType: MessageTemplate] = [
        .progress: "Training {milestone}% Complete",
        .completion: "Training Complete! 🎉",
        .error: "Training Error",
        .warning: "Training Warning",
        .digest: "While you were away",
        .custom: "{title}",
    ]

    /// The default messages per type.
    public static let defaultMessages: [NotificationType: MessageTemplate] = [
        .progress: "{title}: step {step} of {total} ({percent}%)",
        .completion: "{title} finished after {step} steps.",
        .error: "{message}",
        .warning: "{message}",
        .digest: "{message}",
        .custom: "{message}",
    ]

    /// The templates without overrides.
    public static let standard = MessageTemplates()

    /// The user's titles per type.
    public var titleOverrides: [NotificationType: MessageTemplate]
    /// The user's messages per type.
    public var messageOverrides: [NotificationType: MessageTemplate]
    /// The user's titles per progress milestone.
    public var milestoneTitleOverrides: [Int: MessageTemplate]
    /// The user's messages per progress milestone.
    public var milestoneMessageOverrides: [Int: MessageTemplate]

    /// Creates templates with the given overrides of the defaults.
    public init(
        titleOverrides: [NotificationType: MessageTemplate] = [:],
        messageOverrides: [NotificationType: MessageTemplate] = [:],
        milestoneTitleOverrides: [Int: MessageTemplate] = [:],
        milestoneMessageOverrides: [Int: MessageTemplate] = [:]
    ) {
        self.titleOverrides = titleOverrides
        self.messageOverrides = messageOverrides
        self.milestoneTitleOverrides = milestoneTitleOverrides
        self.milestoneMessageOverrides = milestoneMessageOverrides
    }

    /// The title template for a notification of `type` (and `milestone`,
    /// for progress).
    public func titleTemplate(for type: NotificationType, milestone: Int? = nil) -> MessageTemplate {
        let milestone = type == .progress ? milestone : nil
        return milestone.flatMap { milestoneTitleOverrides[$0] }
            ?? titleOverrides[type]
            ?? milestone.flatMap { Self.defaultMilestoneTitles[$0] }
            ?? Self.defaultTitles[type]
            ?? "{title}"
    }

    /// The message template for a notification of `type` (and `milestone`,
    /// for progress).
    public func messageTemplate(for type: NotificationType, milestone: Int? = nil) -> MessageTemplate {
        let milestone = type == .progress ? milestone : nil
        return milestone.flatMap { milestoneMessageOverrides[$0] }
            ?? messageOverrides[type]
            ?? Self.defaultMessages[type]
            ?? "{message}"
    }

    /// The rendered title for a notification of `type`.
    public func title(for type: NotificationType, milestone: Int? = nil, values: TemplateValues) -> String {
        titleTemplate(for: type, milestone: milestone).render(values)
    }

    /// The rendered message for a notification of `type`.
    public func message(for type: NotificationType, milestone: Int? = nil, values: TemplateValues) -> String {
        messageTemplate(for: type, milestone: milestone).render(values)
    }
}

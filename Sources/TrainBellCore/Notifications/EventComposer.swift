/// Composes the notification of each job event from the configuration:
/// templates, the error-urgency table and the sound of each type
/// (DESIGN section 4).
public struct EventComposer: Sendable, Hashable {
    /// The default sounds: `complete` for completions, `dialog-error` for
    /// errors (freedesktop sound-theme names); the other types are silent.
    public static let defaultSoundNames: [NotificationType: String] = [
        .completion: "complete",
        .error: "dialog-error",
    ]

    /// The composer with the default configuration.
    public static let standard = EventComposer()

    /// The title and message templates.
    public var templates: MessageTemplates
    /// The error type → urgency table.
    public var errorClassifier: ErrorClassifier
    /// The sound-theme name per type; a type without one is silent.
    public var soundNames: [NotificationType: String]

    /// Creates a composer.
    public init(
        templates: MessageTemplates = .standard,
        errorClassifier: ErrorClassifier = .standard,
        soundNames: [NotificationType: String] = EventComposer.defaultSoundNames
    ) {
        self.templates = templates
        self.errorClassifier = errorClassifier
        self.soundNames = soundNames
    }

    /// A progress milestone of `job` (not 100%, which is a completion):
    /// normal urgency, silent unless configured, held back by Do Not
    /// Disturb, with the launcher progress.
    /// The time left, when known, ends the message unless its template places `{time_left}` itself.
    public func milestoneEvent(for job: Job, milestone: Int) -> NotificationEvent {
        let values = job.templateValues(milestone: milestone)
        var message = templates.message(for: .progress, milestone: milestone, values: values)
        if !values.timeLeft.isEmpty, !message.contains(values.timeLeft) {
            message += message.isEmpty ? values.timeLeft : ", " + values.timeLeft
        }
        return NotificationEvent(
            type: .progress,
            title: templates.title(for: .progress, milestone: milestone, values: values),
            message: message,
            milestone: milestone,
            urgency: .normal,
            taskbarProgress: job.progress,
            respectsDoNotDisturb: true
        ).withSound(soundNames[.progress])
    }

    /// The completion of `job`, with the trainer's `message` if any: normal
    /// urgency, the completion sound, held back by Do Not Disturb, launcher
    /// progress 1.
    ///
    /// The message template is rendered with `{message}`; when the template
    /// does not use it, a non-empty message is added on a line of its own so
    /// that it is never lost.
    public func completionEvent(for job: Job, message: String = "") -> NotificationEvent {
        let values = job.templateValues(message: message)
        let template = templates.messageTemplate(for: .completion)
        var body = template.render(values)
        if !message.isEmpty, !template.text.contains("{message}") {
            body += body.isEmpty ? message : "\n" + message
        }
        return NotificationEvent(
            type: .completion,
            title: templates.title(for: .completion, values: values),
            message: body,
            urgency: .normal,
            taskbarProgress: 1,
            respectsDoNotDisturb: true
        ).withSound(soundNames[.completion])
    }

    /// An error of `job`: urgency from the error table (else `requested`,
    /// else normal), the error sound, never held back by Do Not Disturb,
    /// with the `details` and `retry` actions. With the default templates
    /// the message is the trainer's message byte for byte.
    public func errorEvent(
        for job: Job, message: String, errorType: String, requested: Urgency? = nil
    ) -> NotificationEvent {
        let values = job.templateValues(message: message)
        return NotificationEvent(
            type: .error,
            title: templates.title(for: .error, values: values),
            message: templates.message(for: .error, values: values),
            urgency: errorClassifier.urgency(forErrorType: errorType, requested: requested),
            actions: [.details, .retry],
            taskbarProgress: job.totalSteps > 0 ? job.progress : nil,
            respectsDoNotDisturb: false,
            errorType: errorType
        ).withSound(soundNames[.error])
    }

    /// A warning of `job`: normal urgency, silent unless configured, held
    /// back by Do Not Disturb.
    public func warningEvent(for job: Job, message: String) -> NotificationEvent {
        let values = job.templateValues(message: message)
        return NotificationEvent(
            type: .warning,
            title: templates.title(for: .warning, values: values),
            message: templates.message(for: .warning, values: values),
            urgency: .normal,
            taskbarProgress: job.totalSteps > 0 ? job.progress : nil,
            respectsDoNotDisturb: true
        ).withSound(soundNames[.warning])
    }
}

extension NotificationEvent {
    /// The event with a sound when `soundName` is a name, silent otherwise.
    fileprivate func withSound(_ soundName: String?) -> NotificationEvent {
        var event = self
        let name = soundName.flatMap { $0.isEmpty ? nil : $0 }
        event.sound = name != nil
        event.soundName = name
        return event
    }
}

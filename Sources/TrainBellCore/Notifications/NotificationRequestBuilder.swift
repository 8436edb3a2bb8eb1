/// Turns a decided `NotificationEvent` into the `Notify` arguments of DESIGN.md section 4:
/// urgency byte and expiry, hints, in-place replacement for a job's progress, body shortened and escaped.
public struct NotificationRequestBuilder: Sendable, Hashable {
    public var appName: String
    /// Icon used when the job has none.
    public var defaultIcon: String
    public var bodyMaxCharacters: Int
    public var bodyMaxLines: Int

    public init(appName: String = "trainbell", defaultIcon: String = "",
                bodyMaxCharacters: Int = NotificationText.defaultMaxCharacters,
                bodyMaxLines: Int = NotificationText.defaultMaxLines) {
        self.appName = appName
        self.defaultIcon = defaultIcon
        self.bodyMaxCharacters = bodyMaxCharacters
        self.bodyMaxLines = bodyMaxLines
    }

    /// What the server shows for `event` of job `jobID`.
    /// - Parameters:
    ///   - replacesID: the server id of this job's previous progress bubble (progress and completion replace it).
    ///   - bodyMarkup: the server announced `body-markup` in `GetCapabilities`.
    ///   - doNotDisturb: DND is on; an event that bypasses it goes out with urgency 2 so servers show it.
    ///   - repeatCount: identical errors collapsed into this one (shown as "(×N)").
    ///   - quirks: what the server cannot take (no `value` where it hides the text).
    public func request(for event: NotificationEvent, jobID: String, appID: String?, icon: String?,
                        replacesID: UInt32 = 0, bodyMarkup: Bool, doNotDisturb: Bool = false,
                        repeatCount: Int = 1, quirks: NotificationServerQuirks = .init()) -> NotificationRequest {
        let urgency = event.wireUrgency(doNotDisturb: doNotDisturb)
        let replacesInPlace = event.type == .progress || event.type == .completion

        var hints: [(name: String, value: HintValue)] = [
            ("urgency", .byte(urgency)),
            ("category", .string(event.type.category)),
        ]
        if let appID, !appID.isEmpty { hints.append(("desktop-entry", .string(Self.desktopEntry(appID)))) }
        if event.sound, let sound = event.soundName.flatMap(SoundCue.init(configured:)) {
            hints.append(sound.hint)
        } else {
            hints.append(("suppress-sound", .boolean(true)))
        }
        if event.type == .progress || event.type == .completion, !quirks.valueHidesText, let fraction = event.taskbarProgress {
            hints.append(("value", .int32(Int32(max(0, min(100, (fraction * 100).rounded(.down)))))))
        }
        if replacesInPlace {
            hints.append(("x-canonical-private-synchronous", .string(jobID)))
            hints.append(("x-dunst-stack-tag", .string(jobID)))
        }
        if !jobID.isEmpty { hints.append(("x-trainbell-job", .string(jobID))) }
        // Every server Debian ships takes it (dunst, mako, swaync, xfce4-notifyd, GNOME, KDE) or ignores it.
        if let image = event.image { hints.append(("image-data", .image(image))) }

        var summary = NotificationText.sanitized(event.title)
        if repeatCount > 1 { summary += " (×\(repeatCount))" }
        // A bubble shows a few hundred characters: only a prefix of a long message (a 1 MB traceback)
        // is looked at, so the cost does not grow with its size.
        let shown = NotificationText.prefix(event.message, maxUTF8Bytes: max(4_096, bodyMaxCharacters.multipliedReportingOverflow(by: 32).partialValue))
        var body = NotificationText.shortened(NotificationText.sanitized(shown),
                                              maxCharacters: bodyMaxCharacters, maxLines: bodyMaxLines)
        if bodyMarkup { body = NotificationText.escapedForMarkup(body) }

        return NotificationRequest(
            appName: appName,
            replacesID: replacesInPlace ? replacesID : 0,
            icon: icon.flatMap { $0.isEmpty ? nil : $0 } ?? defaultIcon,
            summary: summary,
            body: body,
            actions: event.actions.flatMap { [$0.key, $0.label] },
            hints: hints,
            expireTimeout: event.urgency.neverExpires ? 0 : -1)
    }

    /// `org.gnome.Terminal.desktop` → `org.gnome.Terminal`: the hint names the entry without the suffix.
    public static func desktopEntry(_ appID: String) -> String {
        AppID.stripping(appID)
    }
}

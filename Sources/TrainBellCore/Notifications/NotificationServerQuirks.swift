/// What one notification server cannot take, from what was seen on the servers Debian ships
/// (DESIGN.md section 9), chosen by the server's `GetServerInformation` name: versions cannot be
/// relied on (mako reports `0.0.0`).
///
/// - mako 1.7.1 frees a notification that replaces itself (`replaces_id`) while it also carries
///   `x-canonical-private-synchronous` or `x-dunst-stack-tag`: the `replaces_id` lookup finds the
///   bubble, the tag lookup finds the same bubble again, and mako re-inserts it into its list and
///   frees it (`dbus/xdg.c`, `handle_notify`): a segfault. mako replaces by tag alone and keeps the
///   id, so it gets the tags and no `replaces_id`.
/// - xfce4-notifyd 0.7.3 draws a notification with a `value` hint as a bare gauge, without summary
///   or body: trainbell's own bubbles go to it without `value` (the launcher shows progress); a
///   caller's `Send` keeps the `value` it asked for.
///
/// Every other server (dunst, swaync, GNOME Shell, KDE Plasma) takes both replacing mechanisms:
/// `replaces_id` where the server has no tags, the tags so that dunst and swaync replace a bubble
/// even when its id is not known yet.
public struct NotificationServerQuirks: Sendable, Hashable {
    /// A notification that carries a replacing tag must not also name an id to replace.
    public var tagsExcludeReplacesID: Bool
    /// The `value` hint hides the bubble's text.
    public var valueHidesText: Bool

    public init(tagsExcludeReplacesID: Bool = false, valueHidesText: Bool = false) {
        self.tagsExcludeReplacesID = tagsExcludeReplacesID
        self.valueHidesText = valueHidesText
    }

    /// The quirks of the server that calls itself `serverName`.
    public init(serverName: String) {
        self.init(tagsExcludeReplacesID: serverName == "mako", valueHidesText: serverName == "Xfce Notify Daemon")
    }

    /// The hints by which servers replace a bubble with the same tag.
    public static let replacingTags: Set<String> = ["x-canonical-private-synchronous", "x-dunst-stack-tag"]

    /// `request` without what would crash this server: every `Notify` goes through it, trainbell's
    /// own and a caller's `Send` alike.
    public func safe(_ request: NotificationRequest) -> NotificationRequest {
        guard tagsExcludeReplacesID, request.replacesID != 0,
            request.hints.contains(where: { Self.replacingTags.contains($0.name) })
        else { return request }
        var safe = request
        safe.replacesID = 0
        return safe
    }
}

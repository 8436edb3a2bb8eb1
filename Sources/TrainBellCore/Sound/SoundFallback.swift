/// Which sound trainbelld plays itself for a notification, where the notification server plays none
/// (dunst, mako, KDE Plasma and swaync lack the `sound` capability; DESIGN.md section 9).
///
/// The sound follows the bubble: it is the one the `Notify` asked for (`sound-file`, else
/// `sound-name`; none with `suppress-sound`), played only when the server shows the bubble
/// (`delivery` `shown`) — never for a notification held back by Do Not Disturb or quiet hours, nor
/// for one the server holds in its own Do Not Disturb, nor where the server plays it (no double
/// sound).
public struct SoundFallback: Sendable, Hashable {
    /// `[sounds] play`: `auto` (true) plays where the server cannot; `server` (false) never.
    public var isEnabled: Bool

    public init(isEnabled: Bool = true) {
        self.isEnabled = isEnabled
    }

    /// The sound to play for `request`, sent with `delivery` to a server that does (or does not)
    /// play sounds; nil for none.
    public func cue(for request: NotificationRequest, delivery: Delivery, serverPlaysSound: Bool) -> SoundCue? {
        guard isEnabled, !serverPlaysSound, delivery == .shown else { return nil }
        return Self.requestedCue(request)
    }

    /// The sound `request` asks for: `sound-file` before `sound-name` (as GNOME Shell reads them),
    /// none when `suppress-sound` is set (any value but false or 0) or the names are empty.
    static func requestedCue(_ request: NotificationRequest) -> SoundCue? {
        if let suppress = request.hint("suppress-sound") {
            switch suppress {
            case .boolean(false), .byte(0), .int32(0): break
            default: return nil
            }
        }
        if case .string(let path)? = request.hint("sound-file"), path.hasPrefix("/") { return .file(path) }
        if case .string(let name)? = request.hint("sound-name"), !name.isEmpty, !name.hasPrefix("/") {
            return .themeEvent(name)
        }
        return nil
    }
}

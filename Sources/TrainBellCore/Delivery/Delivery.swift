/// What became of a notification; the raw value is the `delivery` field of a
/// notification record.
public enum Delivery: String, Sendable, Hashable, Codable, CaseIterable {
    /// The notification server accepted it and shows it.
    case shown
    /// Sent, but the server is known to hold notifications while its own
    /// Do Not Disturb is on (dunst paused, mako do-not-disturb, …).
    case heldByServer = "held-by-server"
    /// Sent while the server's own Do Not Disturb was on, to a server whose configuration decides
    /// whether it shows or holds it (mako's `[mode=do-not-disturb]`), when trainbell cannot tell.
    case sentDuringDoNotDisturb = "sent-during-dnd"
    /// Not sent because Do Not Disturb is on; kept for the digest.
    case suppressedDoNotDisturb = "suppressed-dnd"
    /// Not sent because of flood control.
    case rateLimited = "rate-limited"
    /// Not sent because no notification server is on the bus.
    case noServer = "no-server"
    /// Waiting to be sent when a notification server appears.
    case queued
    /// Came through a broker in the backlog it kept while the desktop was away: not sent on its own,
    /// summarized by the one "While you were away" digest.
    case awayDigest = "away-digest"
}

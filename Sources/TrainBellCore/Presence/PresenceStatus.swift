/// Whether the user is at the desk or away, and what decided it.
public struct PresenceStatus: Sendable, Hashable, CustomStringConvertible {
    public var isAway: Bool
    /// What decided, as `trainbell status` shows it in parentheses: "screen locked,
    /// org.gnome.ScreenSaver", "no input for 10 min, org.gnome.Mutter.IdleMonitor",
    /// "[away] when=always", or "none" when no source is known.
    public var source: String

    public init(isAway: Bool, source: String) {
        self.isAway = isAway
        self.source = source
    }

    /// The `Presence` property: `at-desk` or `away`.
    public var name: String { isAway ? "away" : "at-desk" }

    /// "away (screen locked, org.gnome.ScreenSaver)".
    public var description: String { "\(name) (\(source))" }
}

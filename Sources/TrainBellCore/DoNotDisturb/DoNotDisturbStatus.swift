/// The desktop's Do Not Disturb state as the daemon last read it, and which source decided it.
public struct DoNotDisturbStatus: Hashable, Sendable {
    public var active: Bool
    /// `gnome`, `kde`, `dunst`, `mako`, `swaync`, `xfce`, `cinnamon`, `mate`, `quiet-hours`, or `none`.
    public var source: String
    /// The running server holds even urgent notifications while in DND (dunst paused, Cinnamon, MATE,
    /// mako when its `do-not-disturb` mode hides them); nil when that depends on a configuration
    /// trainbell cannot read.
    public var serverHoldsUrgent: Bool?

    public init(active: Bool, source: String, serverHoldsUrgent: Bool? = false) {
        self.active = active
        self.source = source
        self.serverHoldsUrgent = serverHoldsUrgent
    }

    /// DND off, decided by nobody: also what a failed detection reads as.
    public static let off = DoNotDisturbStatus(active: false, source: "none")
}

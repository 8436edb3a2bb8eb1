/// One way of reading a desktop's Do Not Disturb (DESIGN.md section 5): each desktop's source is a
/// class of its own behind this protocol, and `DoNotDisturbMonitor` picks the one that applies.
///
/// Sources run on the daemon's main loop. Any failure (no such service, no schema, a wrong reply)
/// reads as "unknown", which the policy treats as DND off; a source logs a failure once, at debug
/// level, never per notification.
public protocol DoNotDisturbSource: AnyObject {
    /// The `source` reported by `GetDoNotDisturb`: `gnome`, `kde`, `dunst`, `mako`, `swaync`, `xfce`,
    /// `cinnamon`, `mate`.
    var name: String { get }
    /// While this source says DND, the server holds even urgent notifications (dunst paused, mako's
    /// do-not-disturb mode, Cinnamon, MATE): errors are still sent, recorded as `held-by-server`.
    /// nil when the server's own configuration decides and trainbell cannot tell (`sent-during-dnd`).
    var holdsUrgentNotifications: Bool? { get }
    /// The state last read; nil while unknown or after a failure.
    var isActive: Bool? { get }
    /// Whether every change of the state is signalled; false for sources that must be read again
    /// to notice one (dunst 1.9 to 1.13.0 resumed by a signal, mako before 1.10).
    var signalsEveryChange: Bool { get }
    /// Reads the state and starts watching it (signals, no polling where a signal exists).
    /// `onChange` runs on the main loop whenever `isActive` may have changed.
    func start(onChange: @escaping () -> Void)
    /// Reads the state again now, for sources whose change signal cannot be relied on (dunst 1.9,
    /// mako before 1.10). Called just before a notification is decided; cheap for the others.
    func refresh()
    /// Stops watching.
    func stop()
}

extension DoNotDisturbSource {
    public func refresh() {}
    public var signalsEveryChange: Bool { true }
}

import TrainBellCore

/// One way of telling whether the user is away (issue 13 §2): a screen lock (`ScreenSaverLock`,
/// `LogindSessionLock`) or an idle monitor (`MutterIdleMonitor`, `ScreenSaverIdleTime`). Each follows
/// its service on the bus (it may come and go) and reads as unknown (nil) while it is absent or
/// fails; a failure is logged once, at debug level.
///
/// Sources run on the daemon's main loop and are watched by signal wherever the service has one.
public protocol PresenceSource: AnyObject {
    /// The bus name the state comes from, as `trainbell status` names it: `org.gnome.ScreenSaver`.
    var name: String { get }
    /// Locked (lock sources) or idle (idle sources) as last read; nil while unknown.
    var value: Bool? { get }
    /// Whether the first answers since `start` are in (the state is known, or known to be unknown).
    var isSettled: Bool { get }
    /// Reads the state and starts watching it; `onChange` runs on the loop whenever `value` may have changed.
    func start(onChange: @escaping () -> Void)
    /// Stops watching; `value` is nil afterwards.
    func stop()
}

extension PresenceSource {
    /// The source's last reading, for `AwayRule.presence`.
    public var reading: PresenceReading { PresenceReading(source: name, value: value) }
}

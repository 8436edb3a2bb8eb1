/// What to do after giving ``LauncherCoalescer`` a state or a timer tick.
public enum LauncherCoalescerDecision: Sendable, Hashable {
    /// Emit these properties now (already normalized).
    case send(LauncherEntryProperties)
    /// Nothing now; arm a timer for this time (µs, the clock passed in)
    /// and call ``LauncherCoalescer/timerFired(now:)`` when it fires. Never
    /// asked while an earlier timer is armed: until it fires, further states
    /// only replace what it will send.
    case schedule(at: Int64)
    /// Nothing to emit: the state did not change after rounding, or an
    /// armed timer will carry it.
    case skip
}

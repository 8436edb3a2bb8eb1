/// Rate limit for one app's launcher updates: at most
/// ``maxUpdatesPerSecond`` signals in any one-second window, none for a state
/// that did not change after rounding, and the last state is never lost.
///
/// The rule: states are compared and sent ``LauncherEntryProperties/normalized``
/// (progress to 1/1000). A changed state is sent at once when the previous
/// send is at least ``interval`` ago (`ceil(1 s / maxUpdatesPerSecond)`);
/// otherwise it waits, and the daemon arms one timer for the moment the
/// interval is over, which then sends the latest waiting state (the trailing
/// update after a burst). Because every send, the trailing one included,
/// keeps ``interval`` from the one before, any half-open window of one
/// second holds at most ``maxUpdatesPerSecond`` sends, with no extra one; and
/// once the timer has fired, the last state sent is the last state given.
///
/// ``resend(now:)`` is the one exception to the rate: a dock that just
/// appeared gets the current state at once.
///
/// Time is passed in (µs of a monotonic clock). A clock that goes back
/// counts as the interval being over. Nothing here reads a clock or arms a
/// timer: the decisions say what to do.
public struct LauncherCoalescer: Sendable, Hashable {
    /// The design's rate: about ten updates per second per launcher.
    public static let defaultMaxUpdatesPerSecond = 10

    /// The most sends in any one-second window (at least 1).
    public let maxUpdatesPerSecond: Int
    /// The shortest time between two sends, in µs:
    /// `ceil(1_000_000 / maxUpdatesPerSecond)`.
    public let interval: Int64

    /// The last state sent, normalized; nil before the first.
    public private(set) var lastSent: LauncherEntryProperties?
    /// When the last state was sent.
    public private(set) var lastSentAt: Int64?
    /// The newest state waiting for the timer; nil when none waits.
    public private(set) var pending: LauncherEntryProperties?
    /// When the timer the daemon armed is due; nil when none is armed. Set
    /// by ``LauncherCoalescerDecision/schedule(at:)``, ended by
    /// ``timerFired(now:)``, so at most one timer is ever asked for.
    public private(set) var timerDueAt: Int64?

    /// Creates a coalescer allowing `maxUpdatesPerSecond` sends per second
    /// (values below 1 count as 1).
    public init(maxUpdatesPerSecond: Int = LauncherCoalescer.defaultMaxUpdatesPerSecond) {
        let rate = max(1, maxUpdatesPerSecond)
        self.maxUpdatesPerSecond = rate
        self.interval = (1_000_000 + Int64(rate) - 1) / Int64(rate)
    }

    /// Whether nothing waits and no timer is armed: the daemon may drop an
    /// idle coalescer of an app that was cleared.
    public var isIdle: Bool { pending == nil && timerDueAt == nil }

    /// When the waiting state may be sent; nil when none waits.
    public var dueAt: Int64? {
        guard pending != nil, let lastSentAt else { return nil }
        let (due, overflow) = lastSentAt.addingReportingOverflow(interval)
        return overflow ? .max : due
    }

    /// Gives the app's newest state.
    public mutating func offer(_ properties: LauncherEntryProperties, now: Int64) -> LauncherCoalescerDecision {
        let state = properties.normalized
        if state == lastSent {
            // What the dock has already; a waiting state is outdated.
            pending = nil
            return .skip
        }
        if isDue(now) {
            // (An armed timer then finds nothing waiting.)
            pending = nil
            return send(state, now: now)
        }
        pending = state
        if timerDueAt != nil {
            // The armed timer will send the newest state.
            return .skip
        }
        return scheduleTimer()
    }

    /// The armed timer fired: sends the waiting state, or asks for the timer
    /// again if it fired early.
    public mutating func timerFired(now: Int64) -> LauncherCoalescerDecision {
        timerDueAt = nil
        guard let waiting = pending else { return .skip }
        guard isDue(now) else { return scheduleTimer() }
        pending = nil
        return waiting == lastSent ? .skip : send(waiting, now: now)
    }

    /// The current state at once, whatever the rate (a dock appeared and
    /// must get the full state); nil when nothing was ever given. Any
    /// waiting state is sent now instead of by the timer.
    public mutating func resend(now: Int64) -> LauncherEntryProperties? {
        guard let state = pending ?? lastSent else { return nil }
        pending = nil
        lastSent = state
        lastSentAt = now
        return state
    }

    private mutating func scheduleTimer() -> LauncherCoalescerDecision {
        guard let due = dueAt else { return .skip }
        timerDueAt = due
        return .schedule(at: due)
    }

    private mutating func send(_ state: LauncherEntryProperties, now: Int64) -> LauncherCoalescerDecision {
        lastSent = state
        lastSentAt = now
        return .send(state)
    }

    private func isDue(_ now: Int64) -> Bool {
        guard let lastSentAt else { return true }
        let (elapsed, overflow) = now.subtractingReportingOverflow(lastSentAt)
        return overflow || elapsed < 0 || elapsed >= interval
    }
}

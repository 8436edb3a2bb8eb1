/// When the broker hands over what it kept for trainbelld: after a connection that resumed a
/// session (the broker says so), messages arrive in a burst; the burst ends at the first pause of
/// ``quiet`` or after ``longest`` at most. What arrives in it happened while the desktop was away and
/// is summarized by one digest; what comes after is shown as it comes. Pure: the clock is passed in
/// (microseconds, monotonic or not: only differences count).
public struct CatchUpWindow: Sendable, Hashable {
    public var quiet: Int64
    public var longest: Int64
    private var openedAt: Int64?
    private var lastArrival: Int64 = 0

    public init(quiet: Int64 = 500_000, longest: Int64 = 10_000_000) {
        self.quiet = quiet
        self.longest = longest
    }

    public var isOpen: Bool { openedAt != nil }

    /// Connected: a window opens when the broker resumed a session (it may hold messages for us).
    public mutating func connected(sessionPresent: Bool, now: Int64) {
        openedAt = sessionPresent ? now : nil
        lastArrival = now
    }

    /// Disconnected: what was caught up so far is summarized by the caller (``close``).
    /// A message arrives: whether it belongs to the burst. A message after the window's end closes
    /// it (returns false; the caller sends the digest first when ``closesAt`` was missed).
    public mutating func arrives(now: Int64) -> Bool {
        guard let opened = openedAt else { return false }
        if now - lastArrival > quiet || now - opened > longest {
            openedAt = nil
            return false
        }
        lastArrival = now
        return true
    }

    /// When the window ends if nothing more arrives (for the caller's one timer); nil when closed.
    public var closesAt: Int64? {
        guard let opened = openedAt else { return nil }
        return min(lastArrival + quiet, opened + longest)
    }

    /// The timer fired (or the connection ended): closes the window when its time has come
    /// (always when `force`); true when it was open and is now closed.
    public mutating func close(now: Int64, force: Bool = false) -> Bool {
        guard let closes = closesAt else { return false }
        guard force || now >= closes else { return false }
        openedAt = nil
        return true
    }
}

/// What to do with an error report, as decided by ``ErrorCollapser``.
public enum ErrorCollapseDecision: Sendable, Hashable {
    /// Notify it: the first of its kind in a window.
    case send
    /// Do not notify it again: the same error was sent at `firstSentAt`
    /// (µs since the epoch), and this is occurrence number `count` (2 for
    /// the first repeat) within that window.
    case collapse(count: Int, firstSentAt: Int64)
}

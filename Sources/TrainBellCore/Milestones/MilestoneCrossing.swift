/// The result of a progress update that crossed at least one milestone not
/// notified before in this run: notify once, for the highest.
public struct MilestoneCrossing: Sendable, Hashable {
    /// The highest milestone crossed: the one to notify.
    public let milestone: Int
    /// Every milestone this update marked as sent, ascending (it ends with
    /// ``milestone``); more than one when the update jumped over several.
    public let newlySent: [Int]

    /// Creates a crossing; `newlySent` must be ascending and non-empty.
    public init(newlySent: [Int]) {
        precondition(!newlySent.isEmpty, "a crossing marks at least one milestone")
        self.milestone = newlySent[newlySent.count - 1]
        self.newlySent = newlySent
    }

    /// Whether the update reached 100%: the run's completion, notified as a
    /// completion rather than as progress.
    public var isCompletion: Bool { milestone == MilestoneSet.completion }
}

/// Decides which progress milestones of one run to notify.
///
/// A milestone `m` is crossed when `current * 100 >= m * total` (exact
/// integer arithmetic; steps beyond the total count as the total; a total of
/// 0 crosses nothing). An update that crosses milestones not yet sent gives
/// one ``MilestoneCrossing`` for the highest and marks all of them sent, so
/// each milestone is notified at most once per run, also when progress goes
/// backwards or the total changes (percentages are of the total given with
/// that update).
///
/// The sent milestones are always every milestone up to the highest sent
/// one, so a tracker restored from ``sent`` after a daemon restart repeats
/// none.
public struct MilestoneTracker: Sendable, Hashable, Codable {
    /// The milestones of this run.
    public let milestones: MilestoneSet
    /// The milestones notified in this run, ascending.
    public private(set) var sent: [Int]

    /// A tracker for a new run, or one restored from the `sent` milestones
    /// kept by a previous daemon. Restored values that are not milestones of
    /// `milestones` are ignored; every milestone below the highest restored
    /// one counts as sent (an update can only have crossed them together).
    public init(milestones: MilestoneSet = .standard, sent restored: some Sequence<Int> = [Int]()) {
        self.milestones = milestones
        let highest = restored.filter { milestones.contains($0) }.max()
        if let highest {
            self.sent = milestones.percentages.filter { $0 <= highest }
        } else {
            self.sent = []
        }
    }

    /// Whether the completion (100%) has been notified in this run.
    public var isCompletionSent: Bool { sent.last == MilestoneSet.completion }

    /// Records a progress update and says what to notify, if anything.
    ///
    /// - Parameters:
    ///   - current: The step reached; values above `total` count as `total`.
    ///   - total: The number of steps of the run; 0 means unknown, which
    ///     crosses nothing.
    /// - Returns: The crossing to notify, or nil when no milestone that was
    ///   not yet sent is reached.
    public mutating func update(current: UInt64, total: UInt64) -> MilestoneCrossing? {
        guard total > 0 else { return nil }
        let reached = min(current, total)
        let newlySent = milestones.percentages.dropFirst(sent.count).prefix { milestone in
            Self.isCrossed(milestone, current: reached, total: total)
        }
        guard !newlySent.isEmpty else { return nil }
        sent.append(contentsOf: newlySent)
        return MilestoneCrossing(newlySent: Array(newlySent))
    }

    /// Records an explicit end of the run (`CompleteJob`).
    ///
    /// - Returns: Whether a completion notification is still due: false when
    ///   100% was already notified, so the completion is never notified twice.
    public mutating func complete() -> Bool {
        guard !isCompletionSent else { return false }
        sent = milestones.percentages
        return true
    }

    /// The keys of the encoded form.
    private enum CodingKeys: String, CodingKey {
        case milestones
        case sent
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            milestones: try container.decode(MilestoneSet.self, forKey: .milestones),
            sent: try container.decode([Int].self, forKey: .sent))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(milestones, forKey: .milestones)
        try container.encode(sent, forKey: .sent)
    }

    /// `current * 100 >= milestone * total`, without overflow.
    static func isCrossed(_ milestone: Int, current: UInt64, total: UInt64) -> Bool {
        UInt128(current) * 100 >= UInt128(milestone) * UInt128(total)
    }
}

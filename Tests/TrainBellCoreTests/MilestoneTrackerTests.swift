import PropertyBased
import Testing
import TrainBellCore

/// A progress update as a trainer sends it.
struct ProgressUpdate: Sendable, CustomStringConvertible {
    var current: UInt64
    var total: UInt64
    var description: String { "\(current)/\(total)" }
}

/// The reference model of DESIGN section 4, written independently of
/// `MilestoneTracker`: a milestone is reached when the whole percentage
/// (rounded down) is at least the milestone; every milestone reached for the
/// first time is marked, and the highest of them is the one notified.
struct MilestoneModel {
    let milestones: [Int]
    private(set) var reached: Set<Int> = []

    init(milestones: [Int]) {
        self.milestones = milestones
    }

    /// The milestones reached for the first time by this update.
    mutating func update(_ update: ProgressUpdate) -> Set<Int> {
        guard update.total != 0 else { return [] }
        let done = update.current < update.total ? update.current : update.total
        let percent = Int((UInt128(done) * 100).quotientAndRemainder(dividingBy: UInt128(update.total)).quotient)
        let now = Set(milestones.filter { $0 <= percent })
        let new = now.subtracting(reached)
        reached.formUnion(now)
        return new
    }
}

extension TestGen {
    /// Totals: unknown (0), tiny, round, prime, huge.
    static let total = zip(Gen.int(in: 0...9), Gen.uint64(in: 1...2_000)).map { pick, any -> UInt64 in
        [0, 1, 3, 4, 7, 100, 1_000, UInt64.max, any, any][pick]
    }

    /// An update relative to its total: zero, below, exactly at, beyond,
    /// random, the maximum.
    static let progressUpdate = zip(total, Gen.int(in: 0...6), Gen.uint64(in: 0...2_000), Gen.uint64()).map {
        total, pick, small, any -> ProgressUpdate in
        let current: UInt64 =
            switch pick {
            case 0: 0
            case 1: total / 2
            case 2: total
            case 3: total == .max ? .max : total + 1
            case 4: any
            case 5: .max
            default: small
            }
        return ProgressUpdate(current: current, total: total)
    }

    /// Sequences of updates: jumping, repeating, going backwards, changing
    /// total.
    static let progressUpdates = progressUpdate.array(of: 0...25)

    /// Monotone runs over one total: the common case, with small steps.
    static let monotoneRun = zip(Gen.uint64(in: 1...400), Gen.uint64(in: 1...60).array(of: 1...40)).map {
        total, increments -> [ProgressUpdate] in
        var current: UInt64 = 0
        return increments.map { step in
            current += step
            return ProgressUpdate(current: current, total: total)
        }
    }

    /// Milestone sets: the standard one, or random percentages.
    static let milestoneSet = zip(Gen.bool, Gen.int(in: 1...100).array(of: 0...8)).map {
        standard, values -> MilestoneSet in
        standard ? .standard : ((try? MilestoneSet(values)) ?? .standard)
    }
}

/// Milestone decisions: tables, the seed's regression, and the reference model.
@Suite struct MilestoneTrackerTests {
    // MARK: Tables

    @Test(
        arguments: [
            // (updates of a 1000-step run, notified milestones in order)
            ([250], [25]),
            ([249, 250, 251, 499, 500], [25, 50]),
            ([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], [25, 50, 75, 100]),
            ([800], [75]),
            ([1000], [100]),
            ([5000], [100]),
            ([600, 100, 600, 700], [50]),
            ([0, 0, 1, 249], []),
        ] as [([UInt64], [Int])])
    func notifiesTheHighestMilestoneOfEachUpdate(steps: [UInt64], expected: [Int]) {
        var tracker = MilestoneTracker()
        let notified = steps.compactMap { tracker.update(current: $0, total: 1_000)?.milestone }
        #expect(notified == expected)
    }

    /// The seed's `get_next_notification` notified 25% on a jump to 80% and
    /// then 50% and 75% later; one update must give one notification and
    /// mark every milestone it crossed.
    @Test func regressionJumpingOverSeveralMilestonesMarksAllOfThemSent() {
        var tracker = MilestoneTracker()
        let crossing = tracker.update(current: 800, total: 1_000)
        #expect(crossing == MilestoneCrossing(newlySent: [25, 50, 75]))
        #expect(crossing?.milestone == 75)
        #expect(crossing?.isCompletion == false)
        #expect(tracker.sent == [25, 50, 75])
        #expect(tracker.update(current: 850, total: 1_000) == nil)
        #expect(tracker.update(current: 1_000, total: 1_000) == MilestoneCrossing(newlySent: [100]))
    }

    @Test func aTotalOfZeroCrossesNothing() {
        var tracker = MilestoneTracker()
        #expect(tracker.update(current: 500, total: 0) == nil)
        #expect(tracker.update(current: .max, total: 0) == nil)
        #expect(tracker.sent.isEmpty)
    }

    @Test func usesExactIntegerArithmeticAtTheEdges() {
        var tracker = MilestoneTracker()
        // 1/3 is 33.3%: 25 crossed, not 50.
        #expect(tracker.update(current: 1, total: 3)?.milestone == 25)
        // 2/3 is 66.6%: 50 crossed, not 75.
        #expect(tracker.update(current: 2, total: 3)?.milestone == 50)
        var huge = MilestoneTracker()
        // Would overflow UInt64 as current * 100.
        #expect(huge.update(current: .max / 4, total: .max)?.milestone == nil)
        #expect(huge.update(current: .max / 4 + 1, total: .max)?.milestone == 25)
        #expect(huge.update(current: .max, total: .max)?.milestone == 100)
    }

    @Test func percentIsOfTheCurrentTotal() {
        var tracker = MilestoneTracker()
        #expect(tracker.update(current: 50, total: 100)?.milestone == 50)
        // The total grows: 50 of 400 is 12.5%; 25 and 50 never fire again.
        #expect(tracker.update(current: 50, total: 400) == nil)
        #expect(tracker.update(current: 200, total: 400) == nil)
        #expect(tracker.update(current: 300, total: 400)?.milestone == 75)
    }

    @Test func completeGivesTheCompletionOnlyOnce() {
        var early = MilestoneTracker()
        _ = early.update(current: 30, total: 100)
        let firstCompletionDue = early.complete()
        let secondCompletionDue = early.complete()
        #expect(firstCompletionDue)
        #expect(early.isCompletionSent)
        #expect(!secondCompletionDue)
        #expect(early.update(current: 100, total: 100) == nil)

        var reached = MilestoneTracker()
        #expect(reached.update(current: 100, total: 100)?.isCompletion == true)
        let completionDue = reached.complete()
        #expect(!completionDue)
    }

    @Test(
        arguments: [
            ([], []), ([50], [25, 50]), ([25, 50], [25, 50]), ([100], [25, 50, 75, 100]), ([0, 101, 30], []),
        ] as [([Int], [Int])])
    func restoresTheSentMilestones(restored: [Int], sent: [Int]) {
        #expect(MilestoneTracker(sent: restored).sent == sent)
    }

    // MARK: Properties

    /// The acceptance criterion: for any sequence of updates, every crossed
    /// milestone is notified exactly once, none that was not crossed, and
    /// each update notifies at most once, for the highest it crossed.
    @Test func anyUpdateSequenceNotifiesEachCrossedMilestoneExactlyOnce() async {
        await propertyCheck(count: 400, input: TestGen.milestoneSet, TestGen.progressUpdates) { milestones, updates in
            Self.checkAgainstModel(milestones: milestones, updates: updates)
        }
    }

    @Test func monotoneRunsNotifyEachCrossedMilestoneExactlyOnce() async {
        await propertyCheck(count: 300, input: TestGen.milestoneSet, TestGen.monotoneRun) { milestones, updates in
            Self.checkAgainstModel(milestones: milestones, updates: updates)
        }
    }

    static func checkAgainstModel(milestones: MilestoneSet, updates: [ProgressUpdate]) {
        var tracker = MilestoneTracker(milestones: milestones)
        var model = MilestoneModel(milestones: milestones.percentages)
        var notifiedCount: [Int: Int] = [:]
        var marked: [Int] = []
        for update in updates {
            let expectedNew = model.update(update)
            let crossing = tracker.update(current: update.current, total: update.total)
            #expect(crossing?.milestone == expectedNew.max(), "after \(update) of \(updates)")
            #expect((crossing?.newlySent ?? []) == expectedNew.sorted(), "after \(update) of \(updates)")
            #expect(crossing?.isCompletion == (crossing.map { _ in expectedNew.contains(100) }))
            if let crossing {
                notifiedCount[crossing.milestone, default: 0] += 1
                marked += crossing.newlySent
            }
        }
        #expect(notifiedCount.values.allSatisfy { $0 == 1 }, "a milestone notified twice: \(notifiedCount)")
        #expect(Set(marked) == model.reached, "marked \(marked), reached \(model.reached.sorted())")
        #expect(marked.count == Set(marked).count)
        #expect(tracker.sent == model.reached.sorted())
    }

    /// A daemon restart (a tracker restored from `sent`) repeats nothing and
    /// misses nothing.
    @Test func aRestoredTrackerContinuesAsIfNeverStopped() async {
        await propertyCheck(
            count: 300, input: TestGen.milestoneSet, TestGen.progressUpdates, Gen.int(in: 0...25)
        ) { milestones, updates, restartAt in
            var uninterrupted = MilestoneTracker(milestones: milestones)
            var restarted = MilestoneTracker(milestones: milestones)
            for (index, update) in updates.enumerated() {
                if index == restartAt {
                    restarted = MilestoneTracker(milestones: milestones, sent: restarted.sent)
                }
                #expect(
                    uninterrupted.update(current: update.current, total: update.total)
                        == restarted.update(current: update.current, total: update.total))
            }
        }
    }

    /// `complete()` is due exactly when no update reached 100%.
    @Test func completeIsDueExactlyWhenHundredPercentWasNotNotified() async {
        await propertyCheck(count: 300, input: TestGen.progressUpdates) { updates in
            var tracker = MilestoneTracker()
            var model = MilestoneModel(milestones: [25, 50, 75, 100])
            for update in updates {
                _ = tracker.update(current: update.current, total: update.total)
                _ = model.update(update)
            }
            let firstCompletionDue = tracker.complete()
            let secondCompletionDue = tracker.complete()
            #expect(firstCompletionDue == !model.reached.contains(100))
            #expect(!secondCompletionDue)
            #expect(tracker.sent == [25, 50, 75, 100])
        }
    }
}

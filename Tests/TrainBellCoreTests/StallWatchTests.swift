import PropertyBased
import Testing
@testable import TrainBellCore

/// Stalls (issue 11): one warning per silent gap longer than its threshold, none while updates flow,
/// against an oracle that computes the threshold on its own.
@Suite struct StallWatchTests {
    static let second: Int64 = 1_000_000
    static let minimum = 30 * second
    static let factor = 5.0

    /// The threshold as the rule states it: max(minimum, factor × the median of the last 16 intervals).
    static func oracle(_ intervals: [Int64]) -> Int64 {
        let recent = Array(intervals.suffix(StallWatch.intervalCount)).sorted()
        guard !recent.isEmpty else { return minimum }
        return max(minimum, Int64(Double(recent[recent.count / 2]) * factor))
    }

    @Test func oneWarningPerGapLongerThanItsThresholdAndNoneOtherwise() async {
        // Gaps between updates, in seconds: mostly short, sometimes long silences.
        let gap = zip(Gen.int(in: 0...9), Gen.int(in: 1...20), Gen.int(in: 20...600)).map { kind, short, long in
            kind < 8 ? short : long
        }
        await propertyCheck(count: 400, input: gap.array(of: 1...80)) { gaps in
            var watch = StallWatch(startedAt: 0)
            var time: Int64 = 0
            var intervals: [Int64] = []
            for gapSeconds in gaps {
                let gap = Int64(gapSeconds) * Self.second
                let threshold = Self.oracle(intervals)
                // The daemon's timer: it fires at the deadline (if within the gap), and again later.
                var warnings = 0
                if let deadline = watch.deadline(minimum: Self.minimum, factor: Self.factor), deadline <= time + gap {
                    #expect(deadline == time + threshold)
                    if watch.check(now: deadline, minimum: Self.minimum, factor: Self.factor, secondsPerStep: nil) != nil { warnings += 1 }
                    if watch.check(now: time + gap, minimum: Self.minimum, factor: Self.factor, secondsPerStep: nil) != nil { warnings += 1 }
                }
                // Checks while updates flow (before the deadline) never warn.
                #expect(watch.check(now: time + min(gap, threshold) - 1, minimum: Self.minimum, factor: Self.factor,
                                    secondsPerStep: nil) == nil || gap >= threshold)
                #expect(warnings == (gap >= threshold ? 1 : 0), "gap \(gapSeconds) s, threshold \(threshold / Self.second) s")
                time += gap
                let resumed = watch.update(at: time)
                #expect(resumed == (warnings == 1))
                if gap > 0 { intervals.append(gap) }
            }
        }
    }

    @Test func theWarningSaysHowLongAndThePaceBefore() {
        var watch = StallWatch(startedAt: 0)
        for step in 1...10 { watch.update(at: Int64(step) * 2 * Self.second) }
        let text = watch.check(now: 20 * Self.second + 14 * 60 * Self.second, minimum: 600 * Self.second, factor: 20,
                               secondsPerStep: 2.1)
        #expect(text == "no progress for 14 min (a step every 2.1 s before)")
        #expect(watch.check(now: 3_600 * Self.second, minimum: 600 * Self.second, factor: 20, secondsPerStep: 2.1) == nil)
    }

    @Test func zeroTurnsStallsOff() {
        let watch = StallWatch(startedAt: 0)
        #expect(watch.deadline(minimum: 0, factor: 20) == nil && watch.deadline(minimum: 60 * Self.second, factor: 0) == nil)
    }
}

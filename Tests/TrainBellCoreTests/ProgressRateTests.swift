import PropertyBased
import Testing
@testable import TrainBellCore

/// The time left (issue 11): never negative, nothing before enough data, converges on a steady rate,
/// and one pause does not swing it.
@Suite struct ProgressRateTests {
    static let second: Int64 = 1_000_000

    @Test func anyReportsGiveNoNegativeAndNoNonFiniteTimeLeft() async {
        let reports = zip(Gen.int(in: 0...5_000), Gen.int(in: 0...120)).array(of: 0...40)
        await propertyCheck(count: 500, input: reports, Gen.int(in: 1...10_000)) { reports, total in
            var rate = ProgressRate()
            var time: Int64 = 0
            for (step, gap) in reports {
                time += Int64(gap) * Self.second
                rate.record(step: UInt64(step), at: time)
                if let left = rate.secondsLeft(current: UInt64(step), total: UInt64(total)) {
                    #expect(left >= 0 && left.isFinite)
                }
            }
        }
    }

    @Test func aSteadyRateIsFoundExactlyAndTheEstimateCountsDown() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...50), Gen.int(in: 1...30)) { stepsPerReport, secondsPerReport in
            var rate = ProgressRate()
            let total: UInt64 = 100_000
            var previous = Double.infinity
            for report in 0..<40 {
                let step = UInt64(report * stepsPerReport)
                rate.record(step: step, at: Int64(report * secondsPerReport) * Self.second)
                guard let left = rate.secondsLeft(current: step, total: total) else { continue }
                let truth = Double(total - step) / Double(stepsPerReport) * Double(secondsPerReport)
                #expect(abs(left - truth) <= truth * 1e-9 + 1e-6)
                #expect(left <= previous)
                previous = left
            }
            #expect(previous.isFinite, "an estimate after 40 reports")
        }
    }

    @Test func nothingIsSaidBeforeFourReportsOverTenSeconds() {
        var rate = ProgressRate()
        for report in 0..<3 { rate.record(step: UInt64(report * 10), at: Int64(report) * 20 * Self.second) }
        #expect(rate.secondsLeft(current: 20, total: 100) == nil)  // three reports
        var quick = ProgressRate()
        for report in 0..<10 { quick.record(step: UInt64(report), at: Int64(report) * Self.second / 2) }
        #expect(quick.secondsLeft(current: 9, total: 100) == nil)  // 4.5 s
        rate.record(step: 30, at: 60 * Self.second)
        #expect(rate.secondsLeft(current: 30, total: 100) == 140)
    }

    @Test func onePauseDoesNotSwingTheEstimate() {
        var rate = ProgressRate()
        // A step every 2 s, then one of 10 minutes (an evaluation), then a step every 2 s again.
        var time: Int64 = 0
        for step in 1...10 {
            time += (step == 6 ? 600 : 2) * Self.second
            rate.record(step: UInt64(step), at: time)
        }
        #expect(rate.stepsPerSecond == 0.5)
    }

    @Test func aStepThatGoesBackStartsOver() {
        var rate = ProgressRate()
        for step in 0..<8 { rate.record(step: UInt64(step * 10), at: Int64(step) * 5 * Self.second) }
        #expect(rate.stepsPerSecond == 2)
        rate.record(step: 5, at: 45 * Self.second)
        #expect(rate.stepsPerSecond == nil)
    }

    static let spoken: [(Double, String)] = [
        (20, "less than a minute left"), (420, "about 7 min left"), (1_380, "about 25 min left"),
        (3_480, "about 1 h left"), (8_040, "about 2 h 15 min left"), (50_400, "about 14 h left"),
        (259_200, "about 3 days left"), (1e30, "more than 100 days left"), (Double.nan, ""), (-1, ""),
    ]

    @Test(arguments: spoken)
    func timeLeftIsSaidAsPeopleSayIt(_ seconds: Double, _ text: String) {
        #expect(TimeLeft.describe(seconds) == text)
    }

    @Test func aMilestoneSaysTheTimeLeftOnceItIsKnown() {
        var job = Job.start(id: JobID(trusted: "t"), title: "T", totalSteps: 1_000, now: 0)
        for step in stride(from: 0, through: 240, by: 40) {
            _ = job.reportProgress(current: UInt64(step), now: Int64(step) * Self.second)  // 1 step a second
        }
        let event = job.reportProgress(current: 250, now: 250 * Self.second)
        #expect(event?.message == "T: step 250 of 1000 (25%), about 15 min left")
    }
}

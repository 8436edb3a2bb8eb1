import PropertyBased
import Testing
@testable import TrainBellCore

/// The divergence rules on metrics (issue 11): a NaN/Inf loss is one error per run, a jump one warning.
@Suite struct LossWatchTests {
    static func report(_ step: UInt64, _ values: [(String, Double)]) -> MetricReport {
        try! MetricReport(step: step, values: values.map { (name: $0.0, value: $0.1) })
    }

    @Test func divergenceIsReportedOncePerRunWhateverComes() async {
        let values: [Double] = [.nan, .infinity, -.infinity, 0.5, 1, 2, 100]
        let names = ["loss", "eval_loss", "Loss", "acc"]
        let entry = zip(Gen.int(in: 0...3).map { names[$0] }, Gen.int(in: 0...6).map { values[$0] })
        await propertyCheck(count: 400, input: entry.array(of: 0...60)) { series in
            var watch = LossWatch()
            var divergences = 0
            for (step, (name, value)) in series.enumerated() {
                for finding in watch.observe(Self.report(UInt64(step), [(name, value)])) {
                    if case .divergence = finding { divergences += 1 }
                }
            }
            let expected = series.contains { !$0.1.isFinite && $0.0.lowercased().contains("loss") } ? 1 : 0
            #expect(divergences == expected)
        }
    }

    @Test func aDivergenceTheTrainerReportedIsNotRepeated() {
        var watch = LossWatch()
        watch.noteReportedDivergence()
        #expect(watch.observe(Self.report(5, [("loss", .nan)])).isEmpty)
    }

    @Test func aJumpAboveThreeTimesTheRecentMedianWarnsOnce() {
        var watch = LossWatch()
        var findings: [LossWatch.Finding] = []
        for step in 1...10 { findings += watch.observe(Self.report(UInt64(step * 100), [("loss", 0.41)])) }
        findings += watch.observe(Self.report(1_200, [("loss", 3.9)]))
        findings += watch.observe(Self.report(1_300, [("loss", 5.0)]))
        #expect(findings == [.jump(message: "loss jumped from 0.41 to 3.9 at step 1,200")])
    }

    @Test func aSlowRiseAndTooLittleHistoryDoNotWarn() {
        var rising = LossWatch()
        var findings: [LossWatch.Finding] = []
        var loss = 0.1
        for step in 1...200 {
            loss *= 1.05
            findings += rising.observe(Self.report(UInt64(step), [("loss", loss)]))
        }
        var young = LossWatch()
        for (step, value) in [0.4, 0.4, 0.4, 0.4, 9.0].enumerated() {
            findings += young.observe(Self.report(UInt64(step), [("loss", value)]))
        }
        var off = LossWatch(factor: 0)
        for step in 1...10 { findings += off.observe(Self.report(UInt64(step), [("loss", step == 10 ? 100 : 1)])) }
        #expect(findings.isEmpty)
    }

    @Test(arguments: [(0.41, "0.41"), (3.9, "3.9"), (3.94, "3.9"), (12.3, "12"), (1234, "1200"), (0.000123, "0.00012")])
    func lossesAreWrittenAsReadOffAChart(_ value: Double, _ text: String) {
        #expect(LossWatch.short(value) == text)
    }
}

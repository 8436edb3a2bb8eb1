import PropertyBased
import Testing
import TrainBellCore

/// Launcher progress values.
@Suite struct TaskbarProgressTests {
    @Test(
        arguments: [
            (0, 0, 0.0), (5, 0, 0), (0, 10, 0), (5, 10, 0.5), (10, 10, 1), (11, 10, 1), (UInt64.max, 1, 1),
            (UInt64.max, UInt64.max, 1), (0, UInt64.max, 0), (1, 4, 0.25),
        ] as [(UInt64, UInt64, Double)])
    func fraction(current: UInt64, total: UInt64, expected: Double) {
        #expect(TaskbarProgress.fraction(current: current, total: total) == expected)
    }

    @Test(
        arguments: [
            (0, 0, 0), (999, 1_000, 99), (1_000, 1_000, 100), (2_000, 1_000, 100), (1, 3, 33), (2, 3, 66),
            (UInt64.max - 1, UInt64.max, 99), (UInt64.max, UInt64.max, 100),
        ] as [(UInt64, UInt64, Int)])
    func percentRoundsDown(current: UInt64, total: UInt64, expected: Int) {
        #expect(TaskbarProgress.percent(current: current, total: total) == expected)
    }

    @Test func fractionIsAlwaysBetweenZeroAndOne() async {
        await propertyCheck(count: 500, input: TestGen.steps, TestGen.steps) { current, total in
            let fraction = TaskbarProgress.fraction(current: current, total: total)
            #expect(fraction >= 0 && fraction <= 1, "\(current)/\(total) gave \(fraction)")
            #expect(!fraction.isNaN)
            if total == 0 { #expect(fraction == 0) }
            if total > 0, current >= total { #expect(fraction == 1) }
            let percent = TaskbarProgress.percent(current: current, total: total)
            #expect((0...100).contains(percent))
        }
    }

    @Test(
        arguments: [
            (-1, TaskbarProgress.hidden), (-0.5, .hidden), (Double.nan, .hidden), (0, .running(fraction: 0)),
            (0.42, .running(fraction: 0.42)), (0.99, .running(fraction: 0.99)), (1, .completed), (7, .completed),
        ] as [(Double, TaskbarProgress)])
    func readsTheSetProgressValue(value: Double, expected: TaskbarProgress) {
        #expect(TaskbarProgress(setProgressValue: value) == expected)
    }
}

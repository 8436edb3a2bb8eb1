import Testing
@testable import TrainBellCore

@Suite struct LossSeriesTests {
    @Test func theMainLossIsLossElseTheFirstLossLikeName() {
        #expect(LossSeries.main(among: ["acc", "eval_loss", "loss"]) == "loss")
        #expect(LossSeries.main(among: ["eval_loss", "train_loss", "lr"]) == "train_loss")
        #expect(LossSeries.main(among: ["val_loss", "train_loss"]) == "val_loss", "the first reported")
        #expect(LossSeries.main(among: ["eval_loss", "lr"]) == "eval_loss")
        #expect(LossSeries.main(among: ["acc", "lr"]) == nil)
    }

    @Test func aSparklineFallsWithAFallingLossAndSkipsNaN() {
        #expect(LossSeries.sparkline([8, 7, 6, 5, 4, 3, 2, 1], width: 8) == "█▇▆▅▄▃▂▁")
        #expect(LossSeries.sparkline([1, .nan, 1], width: 3) == "▁ ▁")
        #expect(LossSeries.sparkline(Array(repeating: 2.0, count: 100), width: 5) == "▁▁▁▁▁")
        #expect(LossSeries.sparkline([], width: 5) == "")
        #expect(LossSeries.sparkline((0..<1_000).map { Double(1_000 - $0) }, width: 10).count == 10)
    }
}

import Testing
import TrainBellCore

/// Which series a completion shows, and its "loss a → b" line.
@Suite struct LossCurveTests {
    static func metrics(_ reports: [[(String, Double)]]) throws -> JobMetrics {
        var metrics = JobMetrics()
        for (step, values) in reports.enumerated() {
            try metrics.record(MetricReport(step: UInt64(step * 10), values: values))
        }
        return metrics
    }

    @Test func lossIsTheMainSeriesAndEvalLossTheSecond() throws {
        let metrics = try Self.metrics([
            [("eval_loss", 2.5), ("loss", 2.3149), ("train_loss", 9)],
            [("eval_loss", 1.5), ("loss", 1.2)],
            [("eval_loss", 1.0), ("loss", 0.42)],
        ])
        let curve = try #require(LossCurve(metrics))
        #expect(curve.name == "loss")
        #expect(curve.points.map(\.value) == [2.3149, 1.2, 0.42])
        #expect(curve.points.map(\.step) == [0, 10, 20])
        #expect(curve.evaluation?.map(\.value) == [2.5, 1.5, 1.0])
        #expect(curve.summary == "loss 2.31 → 0.42")
    }

    @Test func withoutLossTheFirstReportedNameContainingLossIsShown() throws {
        let metrics = try Self.metrics([
            [("accuracy", 0.1)],
            [("val_loss", 3), ("train_loss", 4), ("accuracy", 0.2)],
            [("val_loss", 2), ("train_loss", 3)],
            [("val_loss", 1), ("train_loss", 2)],
        ])
        // Both arrive in the same report: by name then.
        #expect(try #require(LossCurve(metrics)).name == "train_loss")
        #expect(try #require(LossCurve(metrics)).summary == "train_loss 4 → 2")
        #expect(try #require(LossCurve(metrics)).evaluation == nil)
    }

    @Test func aJobWithoutLossOrWithTooFewValuesHasNone() throws {
        #expect(LossCurve(try Self.metrics([[("accuracy", 0.1)], [("accuracy", 0.2)], [("accuracy", 0.3)]])) == nil)
        #expect(LossCurve(try Self.metrics([[("loss", 1)], [("loss", .nan)], [("loss", 0.5)]])) == nil)
        #expect(LossCurve(JobMetrics()) == nil)
    }

    @Test(arguments: [
        (2.3149, "2.31"), (0.42, "0.42"), (0.4199, "0.42"), (1234, "1230"), (100, "100"), (9.996, "10"),
        (0.000123456, "0.000123"), (-1.5, "-1.5"), (0, "0"), (1, "1"), (12.5, "12.5"), (0.1, "0.1"),
    ])
    func valuesShowThreeSignificantDigits(value: Double, shown: String) {
        #expect(LossCurve.formatted(value) == shown)
    }

    @Test func theCompletionGetsTheLineAndThePicture() throws {
        let curve = try #require(LossCurve(name: "loss", points: [.init(step: 1, value: 3), .init(step: 2, value: 2),
                                                                   .init(step: 3, value: 1)]))
        let completion = NotificationEvent(type: .completion, title: "Training Complete!", message: "run finished after 3 steps.")
        let event = completion.withLossCurve(curve)
        #expect(event.message == "run finished after 3 steps.\nloss 3 → 1")
        let image = try #require(event.image)
        #expect(image == LossChart().image(of: curve))
        #expect(completion.withLossCurve(curve, chart: nil).image == nil)

        let request = NotificationRequestBuilder().request(for: event, jobID: "run", appID: nil, icon: nil, bodyMarkup: true)
        #expect(request.hint("image-data") == .image(image))
        #expect(request.hints.last?.name == "image-data")
        #expect(request.body == "run finished after 3 steps.\nloss 3 → 1")
        let plain = NotificationRequestBuilder().request(for: completion, jobID: "run", appID: nil, icon: nil, bodyMarkup: true)
        #expect(plain.hint("image-data") == nil)
    }
}

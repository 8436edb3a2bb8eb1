import Foundation
import Testing
import TrainBellCore

/// The recognizer on output recorded from the real programs
/// (`Tests/Fixtures`, sources in its README), and on tqdm run live.
@Suite struct TrainingOutputRecognizerFixtureTests {
    typealias Fixtures = TrainingOutputFixtures

    /// Each tqdm fixture, and the progress it must give.
    static let tqdmExpectations: [(shape: String, progress: [Progress])] = [
        ("plain", (0...40).map { Progress($0, 40) }),
        // Two bars one after the other, both followed.
        ("desc", (0...25).map { Progress($0, 25) } + (0...25).map { Progress($0, 25) }),
        ("unknown-total", (0...30).map { Progress($0, nil) } + (0...30).map { Progress($0, nil) }),
        // Only the outer bar (position 0).
        ("nested", (0...3).map { Progress($0, 3) }),
        ("ascii", (0...20).map { Progress($0, 20) }),
        ("seconds-per-item", (0...6).map { Progress($0, 6) }),
    ]

    @Test(arguments: tqdmExpectations.map(\.shape))
    func recordedTqdmBars(shape: String) throws {
        let expected = Self.tqdmExpectations.first { $0.shape == shape }?.progress
        let bytes = try Fixtures.bytes("tqdm_\(shape).txt")
        for chunkSize in [nil, 1, 7, 4096] {
            let observations = Fixtures.observe(bytes, chunkSize: chunkSize)
            #expect(observations.progress == expected, "chunks of \(chunkSize ?? bytes.count) bytes")
            #expect(observations.count == observations.progress.count)
        }
    }

    /// tqdm run live (make test puts it in .build/venv-tools, first in PATH).
    @Test(arguments: tqdmExpectations.map(\.shape))
    func liveTqdmBars(shape: String) throws {
        let script = Fixtures.directory.appendingPathComponent("tqdm_bars.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, shape]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let bytes = Array(stderr.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "python3 tqdm_bars.py failed (\(String(decoding: bytes, as: UTF8.self))); install python3 and tqdm in a virtual environment first in PATH (make test does it: .build/venv-tools)"
        )
        var recognizer = TrainingOutputRecognizer()
        var observations = recognizer.feed(bytes)
        observations += recognizer.finish()
        #expect(observations.progress == Self.tqdmExpectations.first { $0.shape == shape }?.progress)
    }

    @Test func recordedHuggingFaceTrainer() throws {
        let observations = Fixtures.observe(try Fixtures.bytes("transformers_trainer.txt"), chunkSize: 64)
        let progress = observations.progress
        #expect(progress.first == Progress(0, 40))
        #expect(progress.last == Progress(40, 40))
        // The evaluation bar (a nested bar of 5) is not the training's progress.
        #expect(progress.allSatisfy { $0.total == 40 })
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.current < $1.current })
        #expect(
            observations.metrics == [
                ["loss": 0.1, "grad_norm": 2.5, "learning_rate": 1.5e-05, "epoch": 0.5],
                ["loss": 0.05, "grad_norm": 2.5, "learning_rate": 1e-05, "epoch": 1],
                [
                    "eval_loss": 0.3, "eval_runtime": 0.5, "eval_samples_per_second": 80, "eval_steps_per_second": 10,
                    "epoch": 1,
                ],
                ["loss": 0.03333, "grad_norm": 2.5, "learning_rate": 5e-06, "epoch": 1.5],
                ["loss": 0.025, "grad_norm": 2.5, "learning_rate": 0, "epoch": 2],
                [
                    "train_runtime": 16.5, "train_samples_per_second": 19.39, "train_steps_per_second": 2.424,
                    "train_loss": 0.1, "epoch": 2,
                ],
            ])
        #expect(observations.errors.isEmpty)
        #expect(observations.warnings.isEmpty)
    }

    @Test func recordedHuggingFaceTrainerWithNanLoss() throws {
        let observations = Fixtures.observe(try Fixtures.bytes("transformers_trainer_nan.txt"))
        #expect(observations.errors.map(\.type) == ["loss_divergence", "gradient_explosion"])
        #expect(
            observations.errors.map(\.message) == [
                "loss is nan (epoch 1)", "grad_norm is nan in 3 log entries in a row (epoch 2)",
            ])
        #expect(
            observations.errors.first?.details
                == "{'loss': 'nan', 'grad_norm': 'nan', 'learning_rate': '1e-05', 'epoch': '1'}")
        #expect(observations.progress.last == Progress(40, 40))
    }

    @Test func recordedKeras3Fit() throws {
        let observations = Fixtures.observe(try Fixtures.bytes("keras3_fit.txt"), chunkSize: 5)
        // Three epochs of 8 steps count as 24; Keras draws at most every 0.05 s.
        #expect(
            observations.progress == [1, 3, 5, 7, 8, 9, 11, 13, 15, 16, 17, 19, 21, 23, 24].map { Progress($0, 24) })
        #expect(
            observations.metrics == [
                ["accuracy": 0.5, "loss": 0.125, "val_accuracy": 0.45, "val_loss": 0.5],
                ["accuracy": 0.55, "loss": 0.0625, "val_accuracy": 0.5, "val_loss": 0.25],
                ["accuracy": 0.6, "loss": 0.0417, "val_accuracy": 0.55, "val_loss": 0.1667],
            ])
        #expect(observations.errors.isEmpty)
    }

    @Test func recordedKeras3FitWithNanLoss() throws {
        let observations = Fixtures.observe(try Fixtures.bytes("keras3_fit_nan.txt"))
        #expect(observations.errors.map(\.type) == ["loss_divergence"])
        #expect(observations.errors.map(\.message) == ["loss is nan (epoch 2/3)"])
    }
}

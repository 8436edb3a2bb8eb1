import PropertyBased
import Testing
import TrainBellCore

/// Properties of the recognizer for any output, cut into any chunks.
@Suite struct TrainingOutputRecognizerPropertyTests {
    typealias Fixtures = TrainingOutputFixtures

    /// Pieces of training output, whole and broken, to build streams from.
    static let fragments: [String] = [
        "\r", "\n", "\r\n", "\u{1B}", "\u{1B}[", "\u{1B}[32m", "\u{1B}[A", "\u{1B}[2K", "\u{1B}]0;title\u{7}",
        "\u{1B}]8;;",
        "\u{8}\u{8}\u{8}", "\t", "\0",
        "  42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s]", "Epoch 1:  42%|", "████▏     |", " 420/1000 [00:10<",
        "00:14, 41.2it/s]", "1050/1000 [00:10<00:00, 100it/s]", "18446744073709551615/1 [00:00<?, ?it/s]",
        "99999999999999999999/5 [00:00<?, ?it/s]", "1.00E/1.00k [00:00<00:00, 1it/s]",
        "9.99E/1.00k [00:00<00:00, 1it/s]",
        "420it [00:10, 41.2it/s]", "0/0 [00:00<?, ?it/s]", "5/0 [00:00<?, ?it/s]", " [00:00<?, ?it/s, loss=nan]",
        "Epoch 3/10\n", "Epoch 18446744073709551615/18446744073709551615\n", "Epoch 0/0\n",
        "420/1000 ━━━━━━━━━━━━━━━━━━━━ 14s 41ms/step - loss: 0.4100", "18446744073709551615/18446744073709551615 ━━ 1s",
        "7/3 [=====>....] - ETA: 14s - loss: nan", "420/Unknown 10s 24ms/step - loss: inf",
        "{'loss': 0.41, 'learning_rate': 2e-05, 'epoch': 1.2}", "{'loss': nan, 'grad_norm': nan, 'epoch': 1}",
        "{'loss': '", "np.float64(", "tensor(1.0, device='cuda:0')", "}", "{", "'", "\"",
        "Traceback (most recent call last):", "\nTraceback (most recent call last):\n", "[rank0]:", "[rank1]:",
        "  File \"train.py\", line 3, in <module>\n", "    main()\n", "    ^^^^\n",
        "torch.OutOfMemoryError: CUDA out of memory.", "RuntimeError: CUDA error: device-side assert triggered",
        "KeyboardInterrupt", "KeyError: 'x'",
        "\nDuring handling of the above exception, another exception occurred:\n\n",
        "x.py:12: UserWarning: text", "FutureWarning: y", ":1: ", "Warning: ",
        "Loss is NaN", "grad norm is inf", "OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 2, reducing to 1",
        "Gradient overflow. Skipping step", "reducing to ", "1e400", "-", ".", "%", "|", "/", ":", "[", "]", "<", "?",
    ]

    /// One piece: a fragment, a run of random bytes, or random text.
    static let piece = zip(
        Gen.int(in: 0...9), Gen.int(in: 0...(fragments.count - 1)), Gen.uint8().array(of: 0...12), TestGen.shortString
    ).map { pick, index, bytes, text -> [UInt8] in
        switch pick {
        case 0...5: Array(fragments[index].utf8)
        case 6...7: bytes
        default: Array(text.utf8)
        }
    }

    /// A stream of output.
    static let stream = piece.array(of: 0...60).map { $0.flatMap { $0 } }

    /// Sizes to cut a stream into, used in turn.
    static let chunkSizes = Gen.int(in: 1...40).array(of: 1...8)

    /// What a recognizer makes of `bytes` cut into chunks of `sizes` (in turn).
    static func observe(_ bytes: [UInt8], sizes: [Int]) -> [TrainingObservation] {
        var recognizer = TrainingOutputRecognizer()
        var observations: [TrainingObservation] = []
        var start = 0
        var turn = 0
        while start < bytes.count {
            let end = min(start + max(sizes[turn % sizes.count], 1), bytes.count)
            observations += recognizer.feed(bytes[start..<end])
            start = end
            turn += 1
        }
        return observations + recognizer.finish()
    }

    @Test func anyOutputNeverCrashesAndNeverReportsMoreThanTheTotal() async {
        await propertyCheck(count: 300, input: Self.stream, Self.chunkSizes) { bytes, sizes in
            let observations = Self.observe(bytes, sizes: sizes)
            for case .progress(let current, let total?) in observations {
                #expect(current <= total)
            }
            for case .error(let type, _, let details) in observations {
                #expect(!type.isEmpty)
                #expect(details.utf8.count <= 64 * 1024 + 4 * 1024)
            }
        }
    }

    @Test func anyBytesAtAllNeverCrash() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...3_000), Self.chunkSizes) { bytes, sizes in
            for case .progress(let current, let total?) in Self.observe(bytes, sizes: sizes) {
                #expect(current <= total)
            }
        }
    }

    @Test func howTheOutputIsChunkedDoesNotChangeWhatIsRecognized() async {
        await propertyCheck(count: 300, input: Self.stream, Self.chunkSizes) { bytes, sizes in
            let whole = Fixtures.observe(bytes)
            #expect(Fixtures.observe(bytes, chunkSize: 1) == whole)
            #expect(Self.observe(bytes, sizes: sizes) == whole)
        }
    }

    /// The recent lines (what `run` shows of a failed command) are the same however the output is
    /// chunked: ordinary lines are copied only when a run of them ends, and must still be the last ones.
    @Test func howTheOutputIsChunkedDoesNotChangeTheRecentLines() async {
        await propertyCheck(count: 300, input: Self.stream, Self.chunkSizes) { bytes, sizes in
            func recentLines(chunkedBy sizes: [Int]) -> [String] {
                var recognizer = TrainingOutputRecognizer()
                var start = 0
                var turn = 0
                while start < bytes.count {
                    let end = min(start + sizes[turn % sizes.count], bytes.count)
                    _ = recognizer.feed(bytes[start..<end])
                    start = end
                    turn += 1
                }
                _ = recognizer.finish()
                return recognizer.recentLines
            }
            let whole = recentLines(chunkedBy: [max(bytes.count, 1)])
            #expect(recentLines(chunkedBy: [1]) == whole)
            #expect(recentLines(chunkedBy: sizes) == whole)
        }
    }
}

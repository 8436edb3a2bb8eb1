import PropertyBased
import Testing

@testable import TrainBellCore

/// Lines too long to be a progress bar, a log dict, a warning or a traceback line: not read, and
/// costing no more than a scan for their end, however they arrive.
@Suite struct TrainingOutputRecognizerLongLineTests {
    static let limit = LineSplitter.maximumLineLength
    static let bar = " 50%|█████     | 1/2 [00:01<00:01,  1.00it/s]"

    /// 10 MB without a line break, of text that would be an error, a bar and a traceback on a
    /// line of its own.
    static let tenMegabytes: [UInt8] = {
        let piece = Array("torch.OutOfMemoryError: CUDA out of memory. Traceback (most recent call last):\(bar) ".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10_000_000 + piece.count)
        while bytes.count < 10_000_000 { bytes += piece }
        return Array(bytes.prefix(10_000_000))
    }()

    @Test func aTenMegabyteLineIsNotReadAndCostsOneCopyOfItsFirstBytes() {
        var recognizer = TrainingOutputRecognizer()
        var observations: [TrainingObservation] = []
        var start = 0
        while start < Self.tenMegabytes.count {
            let end = min(start + 65_536, Self.tenMegabytes.count)
            observations += recognizer.feed(Self.tenMegabytes[start..<end])
            start = end
        }
        #expect(recognizer.splitter.copiedBytes == Self.limit)
        observations += recognizer.finish()
        #expect(observations.isEmpty)
        #expect(!recognizer.sawError)
        // What the user saw last is still there for an exit message, shortened.
        let last = recognizer.recentLines.last
        #expect(last?.hasPrefix("torch.OutOfMemoryError: CUDA out of memory.") == true && last?.hasSuffix("…") == true)
    }

    @Test func aLongLineFedByteByByteIsCopiedOnceAndTheNextLineIsRead() {
        var recognizer = TrainingOutputRecognizer()
        let long = Array(Self.tenMegabytes.prefix(200_000))
        for index in long.indices {
            #expect(recognizer.feed(long[index..<(index + 1)]).isEmpty)
        }
        #expect(recognizer.splitter.copiedBytes == Self.limit)
        #expect(recognizer.feed(Array(("\n" + Self.bar + "\n").utf8)) == [.progress(current: 1, total: 2)])
    }

    @Test func aBarIsReadUpToTheLimitAndNotBeyond() {
        let bar = Array(Self.bar.utf8)
        let fits = [UInt8](repeating: 0x20, count: Self.limit - bar.count) + bar + [0x0A]
        #expect(TrainingOutputFixtures.observe(fits) == [.progress(current: 1, total: 2)])
        let tooLong = [0x20] + fits
        #expect(TrainingOutputFixtures.observe(tooLong).isEmpty)
        #expect(TrainingOutputFixtures.observe(tooLong, chunkSize: 1_000).isEmpty)
    }

    @Test func aLongLineInsideATracebackLeavesTheTracebackWhole() {
        let text = "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n"
            + String(repeating: "x", count: 2 * Self.limit) + "\n"
            + "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n\n"
        let errors = TrainingOutputFixtures.observe(Array(text.utf8)).compactMap { observation -> String? in
            if case .error(let type, _, _) = observation { type } else { nil }
        }
        #expect(errors == ["oom_error"])
    }

    /// The screen never hides a phrase: a line holding one (in any letter case, anywhere) passes.
    @Test func theScreenPassesEveryLineThatHoldsAPhrase() async {
        let phrases = LineScreen.phrases
        await propertyCheck(
            count: 500, input: Gen.int(in: 0...(phrases.count - 1)), Gen.uint8().array(of: 0...40),
            Gen.uint8().array(of: 0...40), Gen.uint64()
        ) { index, before, after, caseBits in
            let phrase = phrases[index].enumerated().map { offset, byte in
                (0x61...0x7A).contains(byte) && (caseBits >> UInt64(offset % 64)) & 1 == 1 ? byte - 0x20 : byte
            }
            let screen = LineScreen()
            #expect(screen.screen(before + phrase + after).mayHoldPhrase)
        }
    }

    @Test func anOrdinaryLogLinePassesNoPhrase() {
        let line = Array("2026-12-02 12:00:00 INFO trainer step 420: loss=0.4100 lr=2.00e-05 tokens/s=8123".utf8)
        let screen = LineScreen()
        #expect(screen.screen(line) == LineScreen.Verdict(mayHoldPhrase: false, hasMeterBracket: false))
    }
}

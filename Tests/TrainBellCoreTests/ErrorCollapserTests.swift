import PropertyBased
import Testing
import TrainBellCore

/// Flood control for identical errors.
@Suite struct ErrorCollapserTests {
    static let second: Int64 = 1_000_000

    @Test func identicalErrorsWithinTheWindowCollapseWithACount() {
        var collapser = ErrorCollapser()
        let t0: Int64 = 1_700_000_000 * Self.second
        #expect(collapser.decide(jobID: "a", errorType: "oom_error", message: "OOM", now: t0) == .send)
        #expect(
            collapser.decide(jobID: "a", errorType: "oom_error", message: "OOM", now: t0 + Self.second)
                == .collapse(count: 2, firstSentAt: t0))
        #expect(
            collapser.decide(jobID: "a", errorType: "oom_error", message: "OOM", now: t0 + 59 * Self.second)
                == .collapse(count: 3, firstSentAt: t0))
        // The window is over: sent again, and a new window opens.
        #expect(
            collapser.decide(jobID: "a", errorType: "oom_error", message: "OOM", now: t0 + 60 * Self.second) == .send)
        #expect(
            collapser.decide(jobID: "a", errorType: "oom_error", message: "OOM", now: t0 + 61 * Self.second)
                == .collapse(count: 2, firstSentAt: t0 + 60 * Self.second))
    }

    @Test(arguments: [
        ("b", "oom_error", "OOM"), ("a", "cuda_error", "OOM"), ("a", "oom_error", "OOM "), ("a", "oom_error", "oom"),
    ])
    func errorsDifferingInJobTypeOrMessageAreEachSent(jobID: String, errorType: String, message: String) {
        var collapser = ErrorCollapser()
        #expect(collapser.decide(jobID: "a", errorType: "oom_error", message: "OOM", now: 0) == .send)
        #expect(collapser.decide(jobID: jobID, errorType: errorType, message: message, now: 1) == .send)
    }

    @Test func aClockGoingBackEndsTheWindow() {
        var collapser = ErrorCollapser()
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: 100 * Self.second) == .send)
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: 50 * Self.second) == .send)
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: .min) == .send)
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: .max) == .send)
    }

    @Test func aWindowOfZeroCollapsesNothing() {
        var collapser = ErrorCollapser(window: 0)
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: 0) == .send)
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: 0) == .send)
        #expect(collapser.openWindowCount == 0)
    }

    @Test func forgetsAJobAndClosedWindows() {
        var collapser = ErrorCollapser(window: 10)
        _ = collapser.decide(jobID: "a", errorType: "x", message: "m", now: 0)
        _ = collapser.decide(jobID: "b", errorType: "x", message: "m", now: 0)
        collapser.forget(jobID: "a")
        #expect(collapser.openWindowCount == 1)
        #expect(collapser.decide(jobID: "a", errorType: "x", message: "m", now: 1) == .send)
        _ = collapser.decide(jobID: "c", errorType: "x", message: "m", now: 20)
        #expect(collapser.openWindowCount == 1)
    }

    /// For any times of one repeated error (in order), an error is sent
    /// exactly when the last sent one is a window or more ago, and the
    /// counts of collapsed ones run 2, 3, … within a window.
    @Test func sendsOncePerWindowAndCountsTheRest() async {
        await propertyCheck(count: 300, input: Gen.int64(in: 0...30).array(of: 0...40), Gen.int64(in: 1...20)) {
            gaps, window in
            var collapser = ErrorCollapser(window: window)
            var now: Int64 = 0
            var lastSent: Int64?
            var count = 0
            for gap in gaps {
                now += gap
                let decision = collapser.decide(jobID: "j", errorType: "t", message: "m", now: now)
                if let sent = lastSent, now - sent < window {
                    count += 1
                    #expect(decision == .collapse(count: count, firstSentAt: sent))
                } else {
                    #expect(decision == .send)
                    lastSent = now
                    count = 1
                }
            }
        }
    }
}

/// What the collapser keeps of an error does not grow with its message.
@Suite struct ErrorCollapserKeyTests {
    @Test func keysOfEqualMessagesAreEqualAndOfDifferentOnesDiffer() {
        let big = String(repeating: "Traceback line\n", count: 70_000)
        #expect(ErrorCollapser.Key(jobID: "a", errorType: "t", message: big) == ErrorCollapser.Key(jobID: "a", errorType: "t", message: big))
        #expect(ErrorCollapser.Key(jobID: "a", errorType: "t", message: big) != ErrorCollapser.Key(jobID: "a", errorType: "t", message: big + "x"))
        #expect(ErrorCollapser.Key(jobID: "a", errorType: "t", message: "ab") != ErrorCollapser.Key(jobID: "a", errorType: "t", message: "ba"))
        #expect(MemoryLayout<ErrorCollapser.Key>.size <= 2 * MemoryLayout<String>.size + 32)
    }

    @Test func distinctMessagesNeverCollapse() {
        var collapser = ErrorCollapser()
        for n in 0..<2_000 {
            #expect(collapser.decide(jobID: "a", errorType: "t", message: "error \(n)", now: Int64(n)) == .send)
        }
        #expect(collapser.openWindowCount == 2_000)
    }
}

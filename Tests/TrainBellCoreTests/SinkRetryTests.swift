import PropertyBased
import Testing
@testable import TrainBellCore

/// What an attempt's answer means (delivered, again, never), when to try again (backoff with jitter,
/// capped) and how fast a sink may send (the rate limit): pure, the randomness and the clock passed in.
@Suite struct SinkRetryTests {
    // MARK: HTTP answers

    @Test(arguments: [200, 201, 202, 204, 299])
    func twoHundredsAreDelivered(_ status: Int) {
        #expect(SinkOutcome.http(status: status, retryAfter: nil, body: #"{"id":"x"}"#) == .delivered(#"HTTP \#(status): {"id":"x"}"#))
    }

    @Test func tooManyRequestsWaitsForItsRetryAfter() {
        #expect(SinkOutcome.http(status: 429, retryAfter: "120", body: "slow down") == .retry("HTTP 429: slow down", after: 120))
        #expect(SinkOutcome.http(status: 429, retryAfter: " 7 ", body: "") == .retry("HTTP 429", after: 7))
        // As a header line ends (regression: "120\r\n" was read as no advice, "\r\n" being one Character).
        #expect(SinkOutcome.http(status: 429, retryAfter: "120\r\n", body: "") == .retry("HTTP 429", after: 120))
        #expect(SinkOutcome.http(status: 429, retryAfter: " 120\r\n".dropFirst(0).withoutLineEnds, body: "") == .retry("HTTP 429", after: 120))
        #expect(SinkOutcome.http(status: 429, retryAfter: nil, body: "") == .retry("HTTP 429", after: nil))
        // An HTTP date, a negative or a bad number: no advice, the backoff decides.
        #expect(SinkOutcome.http(status: 429, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", body: "") == .retry("HTTP 429", after: nil))
        #expect(SinkOutcome.http(status: 429, retryAfter: "-5", body: "") == .retry("HTTP 429", after: nil))
        #expect(SinkOutcome.http(status: 429, retryAfter: "soon", body: "") == .retry("HTTP 429", after: nil))
        // At most a day.
        #expect(SinkOutcome.http(status: 429, retryAfter: "9999999", body: "") == .retry("HTTP 429", after: 86_400))
    }

    @Test(arguments: [408, 425, 429])
    func requestTimeoutTooEarlyAndTooManyAreTriedAgain(_ status: Int) {
        #expect(SinkOutcome.http(status: status, retryAfter: "3", body: "") == .retry("HTTP \(status)", after: 3))
    }

    @Test(arguments: [500, 502, 503, 504, 0, 100, 301, 304, 600])
    func serverErrorsAndAnythingUnexpectedAreTriedAgainByBackoff(_ status: Int) {
        #expect(SinkOutcome.http(status: status, retryAfter: "30", body: "x") == .retry("HTTP \(status): x", after: nil))
    }

    @Test(arguments: [400, 401, 403, 404, 405, 410, 413, 422, 499])
    func otherClientErrorsAreForGood(_ status: Int) {
        #expect(SinkOutcome.http(status: status, retryAfter: "30", body: "no_service") == .permanent("HTTP \(status): no_service"))
    }

    @Test func theAnswerKeepsTwoHundredCharactersOnOneLine() {
        let body = "line one\r\nline two\n" + String(repeating: "x", count: 500)
        guard case .retry(let said, nil) = SinkOutcome.http(status: 500, retryAfter: nil, body: body) else {
            Issue.record("not a retry")
            return
        }
        // 200 characters ("\r\n" is one), then the line ends taken out.
        #expect(said == "HTTP 500: line oneline two" + String(repeating: "x", count: 182) + "…")
        #expect(!said.unicodeScalars.contains { $0 == "\n" || $0 == "\r" })
    }

    // MARK: Backoff

    @Test(arguments: [(1, 5), (2, 10), (3, 20), (4, 40), (8, 640), (9, 900), (30, 900), (1_000, 900), (Int.max, 900), (0, 5), (-3, 5)] as [(Int, Double)])
    func theBackoffDoublesFromFiveSecondsToFifteenMinutes(_ failures: Int, _ plain: Double) {
        let backoff = SinkBackoff()
        #expect(backoff.delay(afterFailures: failures, random: 0.5) == plain)
        #expect(backoff.delay(afterFailures: failures, random: 0) == plain * 0.8)
        #expect(abs(backoff.delay(afterFailures: failures, random: 1) - plain * 1.2) < 1e-9)
    }

    @Test func theJitterStaysWithinTwentyPercentAndNeverPastTheCapsJitter() async {
        await propertyCheck(count: 500, input: Gen.int(in: -5...200), Gen.double(in: -1...2)) { failures, random in
            let delay = SinkBackoff().delay(afterFailures: failures, random: random)
            let plain = min(900, 5 * Double(1 << min(max(failures - 1, 0), 20)))
            #expect(delay >= plain * 0.8 - 1e-9 && delay <= plain * 1.2 + 1e-9, "\(failures) \(random): \(delay)")
            #expect(delay >= 4 && delay <= 1_080 + 1e-9)
        }
    }

    @Test func thirtyAttemptsTakeAboutFiveAndAHalfHours() {
        let total = (1..<30).map { SinkBackoff().delay(afterFailures: $0, random: 0.5) }.reduce(0, +)
        #expect(total == 20_175)
    }

    // MARK: Rate limit

    @Test func theRateLimitLetsPerMinuteGoThenWaitsForTheOldestToAge() {
        var limit = SinkRateLimit(perMinute: 3)
        for t in [0.0, 1, 2] {
            #expect(limit.wait(at: t) == 0)
            limit.note(at: t)
        }
        #expect(limit.wait(at: 2) == 58)
        #expect(limit.wait(at: 59.5) == 0.5)
        #expect(limit.wait(at: 60) == 0)  // the send at 0 is a minute old
        limit.note(at: 60)
        #expect(limit.wait(at: 60) == 1)  // the one at 1 ages next
    }

    @Test func aRateLimitBelowOneIsOne() {
        var limit = SinkRateLimit(perMinute: 0)
        #expect(limit.perMinute == 1)
        limit.note(at: 10)
        #expect(limit.wait(at: 10) == 60)
        #expect(limit.wait(at: 70) == 0)
    }

    /// Whatever the times asked, no 60 s window ever holds more than `perMinute` sends, and a
    /// send that waits is told a positive wait.
    @Test func noMinuteEverHoldsMoreThanTheLimit() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...5), Gen.double(in: 0...30).array(of: 1...80)) { perMinute, gaps in
            var limit = SinkRateLimit(perMinute: perMinute)
            var now = 0.0
            var sent: [Double] = []
            for gap in gaps {
                now += gap
                let wait = limit.wait(at: now)
                if wait == 0 {
                    limit.note(at: now)
                    sent.append(now)
                } else {
                    #expect(wait > 0)
                    #expect(sent.filter { now - $0 < 60 }.count >= perMinute)
                }
            }
            for (index, time) in sent.enumerated() {
                #expect(sent[index...].prefix { $0 - time < 60 }.count <= perMinute)
            }
        }
    }
}

import Testing
@testable import TrainBellCore

@Suite struct MetricsThrottleTests {
    @Test func reportsAreMergedAndSentAtMostOnceAnInterval() {
        var throttle = MetricsThrottle(interval: 1_000, messagesPerDoubling: 100)
        #expect(throttle.report(step: 1, values: ["loss": 2.0], now: 0)?.values == ["loss": 2.0])
        #expect(throttle.report(step: 2, values: ["loss": 1.5], now: 100) == nil)
        #expect(throttle.report(step: 3, values: ["acc": 0.5], now: 200) == nil)
        #expect(throttle.nextDue == 1_000)
        #expect(throttle.due(now: 999) == nil)
        let due = throttle.due(now: 1_000)
        #expect(due?.step == 3 && due?.values == ["loss": 1.5, "acc": 0.5], "each name's latest, at the latest step")
        #expect(throttle.nextDue == nil)
    }

    @Test func aNonFiniteValueGoesAtOnce() {
        var throttle = MetricsThrottle(interval: 1_000)
        _ = throttle.report(step: 1, values: ["loss": 2.0], now: 0)
        _ = throttle.report(step: 2, values: ["acc": 0.1], now: 10)
        let nan = throttle.report(step: 3, values: ["loss": .nan], now: 20)
        #expect(nan?.step == 3 && nan?.values["loss"]?.isNaN == true && nan?.values["acc"] == 0.1)
        #expect(throttle.report(step: 4, values: ["loss": .infinity], now: 30) != nil)
    }

    @Test func theEndFlushesWhatIsKept() {
        var throttle = MetricsThrottle(interval: 1_000)
        _ = throttle.report(step: 1, values: ["loss": 2.0], now: 0)
        #expect(throttle.flush(now: 5) == nil, "sent at once: nothing kept")
        _ = throttle.report(step: 2, values: ["loss": 1.0], now: 10)
        #expect(throttle.flush(now: 20)?.values == ["loss": 1.0])
        #expect(throttle.flush(now: 30) == nil)
    }

    /// A day of a report every step (every 10 ms) stays far below Mosquitto's default queue of 1,000.
    @Test(arguments: [(Int64(3_600), 250), (Int64(86_400), 700), (Int64(11 * 86_400), 1_000)])
    func aLongRunSendsFewMessages(_ seconds: Int64, _ bound: Int) {
        var throttle = MetricsThrottle()
        var sent = 0
        var now: Int64 = 0
        while now < seconds * 1_000_000 {
            if throttle.report(step: UInt64(now / 10_000), values: ["loss": 1], now: now) != nil { sent += 1 }
            now = throttle.nextDue ?? (now + 10_000)
        }
        #expect(sent < bound, "\(sent) messages in \(seconds) s")
        #expect(sent > bound / 4)
    }
}

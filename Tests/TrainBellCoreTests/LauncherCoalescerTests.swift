import PropertyBased
import Testing
import TrainBellCore

/// Rate limiting of one app's launcher updates.
@Suite struct LauncherCoalescerTests {
    static let second: Int64 = 1_000_000

    static func bar(_ progress: Double, urgent: Bool = false) -> LauncherEntryProperties {
        LauncherEntryProperties(progress: progress, progressVisible: true, urgent: urgent)
    }

    /// The daemon's side: one timer, firing `lateness` µs after the time
    /// asked (a busy main loop); what was sent.
    struct Daemon {
        var coalescer: LauncherCoalescer
        var lateness: Int64
        var timer: Int64?
        var sends: [(at: Int64, properties: LauncherEntryProperties)] = []

        init(rate: Int, lateness: Int64 = 0) {
            coalescer = LauncherCoalescer(maxUpdatesPerSecond: rate)
            self.lateness = lateness
        }

        mutating func give(_ properties: LauncherEntryProperties, at now: Int64) {
            fireTimers(upTo: now)
            handle(coalescer.offer(properties, now: now), now: now)
        }

        mutating func fireTimers(upTo now: Int64 = .max) {
            while let due = timer, due <= now {
                timer = nil
                handle(coalescer.timerFired(now: due), now: due)
            }
        }

        mutating func handle(_ decision: LauncherCoalescerDecision, now: Int64) {
            switch decision {
            case .send(let properties): sends.append((now, properties))
            case .schedule(let at):
                #expect(timer == nil, "asked for a second timer")
                #expect(at > now)
                timer = at + lateness
            case .skip: break
            }
        }
    }

    @Test(arguments: [
        (1, 1_000_000), (10, 100_000), (7, 142_858), (3, 333_334), (60, 16_667), (0, 1_000_000), (-5, 1_000_000),
    ])
    func theIntervalRoundsUpSoNoWindowHoldsAnExtraSend(rate: Int, interval: Int64) {
        #expect(LauncherCoalescer(maxUpdatesPerSecond: rate).interval == interval)
    }

    @Test func theFirstChangeIsSentAtOnce() {
        var coalescer = LauncherCoalescer()
        #expect(coalescer.offer(Self.bar(0.1), now: 0) == .send(Self.bar(0.1)))
        #expect(coalescer.isIdle)
    }

    @Test func aBurstSendsTheFirstThenTheLastWhenTheTimerFires() {
        var coalescer = LauncherCoalescer()
        #expect(coalescer.offer(Self.bar(0.1), now: 0) == .send(Self.bar(0.1)))
        #expect(coalescer.offer(Self.bar(0.2), now: 10) == .schedule(at: 100_000))
        #expect(coalescer.offer(Self.bar(0.3), now: 20) == .skip)
        #expect(coalescer.offer(Self.bar(0.4), now: 30) == .skip)
        #expect(coalescer.dueAt == 100_000)
        #expect(coalescer.timerFired(now: 100_000) == .send(Self.bar(0.4)))
        #expect(coalescer.isIdle)
        #expect(coalescer.timerFired(now: 100_001) == .skip)
    }

    @Test func aTimerFiringEarlyIsArmedAgain() {
        var coalescer = LauncherCoalescer()
        _ = coalescer.offer(Self.bar(0.1), now: 0)
        _ = coalescer.offer(Self.bar(0.2), now: 1)
        #expect(coalescer.timerFired(now: 99_999) == .schedule(at: 100_000))
        #expect(coalescer.timerFired(now: 100_000) == .send(Self.bar(0.2)))
    }

    @Test func changesBelowAThousandthAreNotSent() {
        var coalescer = LauncherCoalescer()
        _ = coalescer.offer(Self.bar(0.5), now: 0)
        #expect(coalescer.offer(Self.bar(0.5004), now: Self.second) == .skip)
        #expect(coalescer.offer(Self.bar(0.5006), now: Self.second) == .send(Self.bar(0.501)))
    }

    @Test func aBurstThatReturnsToTheSentStateSendsNothing() {
        var coalescer = LauncherCoalescer()
        _ = coalescer.offer(Self.bar(0.5), now: 0)
        #expect(coalescer.offer(Self.bar(0.6), now: 1) == .schedule(at: 100_000))
        #expect(coalescer.offer(Self.bar(0.5), now: 2) == .skip)
        #expect(coalescer.pending == nil)
        #expect(coalescer.timerFired(now: 100_000) == .skip)
        #expect(coalescer.isIdle)
    }

    @Test func aStateGivenAfterTheDueTimeIsSentEvenIfTheTimerIsLate() {
        var coalescer = LauncherCoalescer()
        _ = coalescer.offer(Self.bar(0.1), now: 0)
        _ = coalescer.offer(Self.bar(0.2), now: 1)
        #expect(coalescer.offer(Self.bar(0.3), now: 150_000) == .send(Self.bar(0.3)))
        #expect(coalescer.timerFired(now: 160_000) == .skip)
    }

    @Test func aClockGoingBackEndsTheWait() {
        var coalescer = LauncherCoalescer()
        _ = coalescer.offer(Self.bar(0.1), now: 10 * Self.second)
        #expect(coalescer.offer(Self.bar(0.2), now: Self.second) == .send(Self.bar(0.2)))
    }

    @Test func theClearIsRateLimitedLikeAnyStateAndNeverLost() {
        var coalescer = LauncherCoalescer()
        _ = coalescer.offer(Self.bar(1, urgent: true), now: 0)
        #expect(coalescer.offer(.cleared, now: 5) == .schedule(at: 100_000))
        #expect(coalescer.timerFired(now: 100_000) == .send(.cleared))
    }

    @Test func resendGivesANewDockTheCurrentStateAtOnce() {
        var coalescer = LauncherCoalescer()
        #expect(coalescer.resend(now: 0) == nil)
        _ = coalescer.offer(Self.bar(0.1), now: 0)
        #expect(coalescer.resend(now: 1) == Self.bar(0.1))
        _ = coalescer.offer(Self.bar(0.2), now: 2)
        #expect(coalescer.resend(now: 3) == Self.bar(0.2))
        #expect(coalescer.pending == nil)
        #expect(coalescer.timerFired(now: 100_002) == .skip)
        #expect(coalescer.isIdle)
    }

    /// The burst: 100,000 ReportProgress calls for one job over ten
    /// seconds yield about ten updates a second and the final value.
    @Test func aBurstOfAHundredThousandUpdates() {
        var daemon = Daemon(rate: 10)
        for step in 1...100_000 {
            daemon.give(Self.bar(Double(step) / 100_000), at: Int64(step) * 100)
        }
        daemon.fireTimers()
        #expect(daemon.sends.count <= 101)
        #expect(daemon.sends.count >= 99)
        #expect(daemon.sends.last?.properties == Self.bar(1))
    }

    /// Any burst, any times, any rate, timers on time or late: no one-second
    /// window holds more than the rate's sends, consecutive sends differ and
    /// keep the interval, and the last state sent is the last state given
    /// (normalized).
    @Test func neverMoreThanTheRateInAnySecondAndTheLastStateIsSent() async {
        let gap = zip(Gen.int(in: 0...3), Gen.int64(in: 1...2_000), Gen.int64(in: 1...400_000)).map {
            pick, small, large -> Int64 in
            switch pick {
            case 0, 1: 0
            case 2: small
            default: large
            }
        }
        let progress = Gen.element(of: [0.0, 0.1, 0.1004, 0.5, 0.9996, 1.0, -1.0, 2.0, Double.nan, 0.25])
            .map { $0 ?? 0 }
        let state = zip(progress, Gen.bool, Gen.int64(in: 0...3), Gen.bool(0.2)).map {
            progress, visible, count, urgent in
            LauncherEntryProperties(
                progress: progress, progressVisible: visible, count: count, countVisible: count > 1, urgent: urgent)
        }
        let lateness = zip(Gen.bool, Gen.int64(in: 0...300_000)).map { late, by in late ? by : 0 }
        await propertyCheck(
            count: 300, input: Gen.int(in: 1...60), lateness, zip(gap, state).array(of: 0...300)
        ) { rate, lateness, events in
            var daemon = Daemon(rate: rate, lateness: lateness)
            var now: Int64 = 1_700_000_000 * Self.second
            for (gap, properties) in events {
                now += gap
                daemon.give(properties, at: now)
            }
            daemon.fireTimers()
            let sends = daemon.sends
            let interval = daemon.coalescer.interval
            for (index, send) in sends.enumerated() {
                let inWindow = sends[index...].prefix { $0.at < send.at + Self.second }.count
                #expect(inWindow <= rate, "\(inWindow) sends in the second from \(send.at) at rate \(rate)")
                if index > 0 {
                    #expect(send.at - sends[index - 1].at >= interval)
                    #expect(send.properties != sends[index - 1].properties)
                }
            }
            #expect(daemon.coalescer.isIdle)
            if let last = events.last {
                #expect(sends.last?.properties == last.1.normalized)
            }
        }
    }
}

import PropertyBased
import Testing
@testable import TrainBellCore

/// `AnnouncementPacer`: per key at most once an interval, all keys at most the rate (after the burst),
/// and the last change of every key always announced.
@Suite struct AnnouncementPacerTests {
    @Test func aKeyGoesAtOnceThenWaitsItsInterval() {
        var pacer = AnnouncementPacer<String>(interval: 100, perSecond: 1_000_000, burst: 10)
        let r1 = pacer.changed("a", now: 0)
        #expect(r1)
        let r2 = pacer.changed("a", now: 10)
        #expect(!r2)
        let r3 = pacer.changed("a", now: 20)
        #expect(!r3, "waits once")
        #expect(pacer.waitingCount == 1)
        let r4 = pacer.nextDue()
        #expect(r4 == 100)
        let r5 = pacer.due(now: 99)
        #expect(r5 == [])
        let r6 = pacer.due(now: 100)
        #expect(r6 == ["a"])
        let r7 = pacer.nextDue()
        #expect(r7 == nil)
    }

    @Test func beyondTheBurstKeysShareTheRate() {
        // 10 a second, a burst of 2: the third key waits a tenth of a second for a token.
        var pacer = AnnouncementPacer<Int>(interval: 1, perSecond: 10, burst: 2)
        let r8 = pacer.changed(1, now: 0)
        #expect(r8)
        let r9 = pacer.changed(2, now: 0)
        #expect(r9)
        let r10 = pacer.changed(3, now: 0)
        #expect(!r10)
        let r11 = pacer.nextDue()
        #expect(r11 == 100_000)
        let r12 = pacer.due(now: 100_000)
        #expect(r12 == [3])
    }

    @Test func aForcedAnnouncementEndsTheWait() {
        var pacer = AnnouncementPacer<String>(interval: 100, perSecond: 1_000, burst: 10)
        _ = pacer.changed("a", now: 0)
        _ = pacer.changed("a", now: 10)
        pacer.forced("a", now: 20)
        let r13 = pacer.nextDue()
        #expect(r13 == nil)
        let r14 = pacer.changed("a", now: 30)
        #expect(!r14, "the interval runs from the forced one")
        let r15 = pacer.nextDue()
        #expect(r15 == 120)
    }

    @Test func anyChangesArePacedAndTheLastOfEachKeyIsAnnounced() async {
        let changes = zip(Gen.int(in: 0...7), Gen.int(in: 0...30_000)).array(of: 1...300)
        await propertyCheck(count: 300, input: changes) { changes in
            let interval: Int64 = 100_000, rate = 50.0, burst = 5.0
            var pacer = AnnouncementPacer<Int>(interval: interval, perSecond: rate, burst: burst)
            var now: Int64 = 0
            var announcements: [(key: Int, at: Int64)] = []
            var lastChange: [Int: Int64] = [:]
            func serve(until limit: Int64) {
                while let due = pacer.nextDue(), due <= limit {
                    now = max(now, due)
                    for key in pacer.due(now: now) { announcements.append((key, now)) }
                }
            }
            for (key, gap) in changes {
                serve(until: now + Int64(gap))
                now += Int64(gap)
                lastChange[key] = now
                if pacer.changed(key, now: now) { announcements.append((key, now)) }
            }
            serve(until: .max)
            // The last change of every key was announced at or after it.
            for (key, at) in lastChange {
                #expect(announcements.contains { $0.key == key && $0.at >= at }, "key \(key) changed at \(at) not announced")
            }
            // Each key at most once an interval.
            for key in Set(announcements.map(\.key)) {
                let times = announcements.filter { $0.key == key }.map(\.at)
                for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= interval, "key \(key): \(a) then \(b)") }
            }
            // All keys: at most the burst plus the rate in any second.
            let times = announcements.map(\.at)
            for (i, start) in times.enumerated() {
                let inWindow = times[i...].prefix { $0 - start < 1_000_000 }.count
                #expect(Double(inWindow) <= burst + rate + 1, "\(inWindow) in one second from \(start)")
            }
        }
    }
}

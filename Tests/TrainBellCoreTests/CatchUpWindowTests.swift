import Testing
@testable import TrainBellCore

@Suite struct CatchUpWindowTests {
    @Test func theBurstAfterAResumedSessionIsCaughtUpUntilAPause() {
        var window = CatchUpWindow(quiet: 500, longest: 10_000)
        window.connected(sessionPresent: true, now: 0)
        #expect(window.arrives(now: 100) == true)
        #expect(window.arrives(now: 550) == true)
        #expect(window.closesAt == 1_050)
        #expect(window.close(now: 1_000) == false)
        #expect(window.close(now: 1_050) == true)
        #expect(window.arrives(now: 1_060) == false)
    }

    @Test func aFreshSessionHasNoBacklog() {
        var window = CatchUpWindow(quiet: 500, longest: 10_000)
        window.connected(sessionPresent: false, now: 0)
        #expect(window.arrives(now: 1) == false)
        #expect(window.closesAt == nil)
    }

    @Test func aLateMessageClosesTheWindowWhenTheTimerWasLate() {
        var window = CatchUpWindow(quiet: 500, longest: 10_000)
        window.connected(sessionPresent: true, now: 0)
        #expect(window.arrives(now: 600) == false)
        #expect(!window.isOpen)
    }

    @Test func aFloodEndsTheWindowAtTheLongest() {
        var window = CatchUpWindow(quiet: 500, longest: 2_000)
        window.connected(sessionPresent: true, now: 0)
        var caught = 0
        for t in stride(from: Int64(0), through: 5_000, by: 100) where window.arrives(now: t) { caught += 1 }
        #expect(caught == 21)
        #expect(window.closesAt == nil)
    }
}

import Testing
@testable import TrainBellCore

@Suite struct RefusalLogTests {
    @Test func aFloodLogsAFewLinesAndCountsAll() {
        var log = RefusalLog(burst: 3, window: 1_000)
        let refusal = RemoteEventRefusal(.malformed, "not JSON")
        let lines = (0..<10_000).compactMap { log.refused(refusal, topic: "b/events", now: Int64($0 / 100)) }
        #expect(lines.count == 3)
        #expect(log.counts[.malformed] == 10_000)
        let next = log.refused(RemoteEventRefusal(.duplicate, "seen"), topic: "b/events", now: 5_000)
        #expect(next?.hasSuffix("(and 9997 more refused before, not logged)") == true)
        #expect(log.total == 10_001)
    }
}

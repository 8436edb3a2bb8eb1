import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// The sinks' outbox: kept before it is sent, marked, retried, counted, collapsed.
@Suite struct HistoryStoreOutboxTests {
    static func event(_ message: String, time: Double, record: UInt64, kind: SinkEvent.Kind = .error) -> String {
        SinkEvent(kind: kind, title: "Training Error", message: message, job: "run-1", urgency: "critical", errorType: "oom_error",
                  time: time, record: record).json
    }

    /// Regression: every event carries its own time and record, so comparing the whole JSON never
    /// found a repeat and nothing ever collapsed.
    @Test func aRepeatOfAWaitingEventIsCountedNotQueuedAgain() throws {
        let store = try HistoryStore.inMemory()
        let first = try store.addToOutbox(sink: "phone", event: Self.event("CUDA out of memory", time: 100, record: 1), away: true, now: 1_000)
        let again = try store.addToOutbox(sink: "phone", event: Self.event("CUDA out of memory", time: 160, record: 2), away: true, now: 2_000)
        #expect(again == first)
        let pending = try store.pendingOutbox()
        #expect(pending.count == 1 && pending[0].repeats == 2)
        #expect(pending[0].event == Self.event("CUDA out of memory", time: 100, record: 1))
    }

    @Test func otherTextAnotherKindOrAnotherSinkIsItsOwnItem() throws {
        let store = try HistoryStore.inMemory()
        try store.addToOutbox(sink: "phone", event: Self.event("CUDA out of memory", time: 100, record: 1), away: true, now: 1)
        try store.addToOutbox(sink: "phone", event: Self.event("NCCL timeout", time: 101, record: 2), away: true, now: 2)
        try store.addToOutbox(sink: "phone", event: Self.event("CUDA out of memory", time: 102, record: 3, kind: .warning), away: true, now: 3)
        try store.addToOutbox(sink: "team", event: Self.event("CUDA out of memory", time: 103, record: 4), away: true, now: 4)
        #expect(try store.pendingOutbox().map(\.repeats) == [1, 1, 1, 1])
    }

    @Test func aSentEventIsNotCollapsedIntoAndCountsAsSent() throws {
        let store = try HistoryStore.inMemory()
        let first = try store.addToOutbox(sink: "phone", event: Self.event("m", time: 1, record: 1), away: true, now: 10)
        try store.finishOutbox(first, failed: false, answer: "HTTP 200")
        let second = try store.addToOutbox(sink: "phone", event: Self.event("m", time: 2, record: 2), away: false, now: 20)
        #expect(second != first)
        try store.retryOutbox(second, next: 5_000, answer: "HTTP 502")
        let pending = try store.pendingOutbox()
        #expect(pending.count == 1 && pending[0].id == second && pending[0].attempts == 1 && pending[0].nextAttempt == 5_000)
        #expect(try store.outboxCounts()["phone"] == HistoryStore.OutboxCounts(pending: 1, sent: 1, failed: 0, lastAnswer: "HTTP 502"))
        // The summary at the return lists what went out while away, since then.
        #expect(try store.sentWhileAway(since: 5).map(\.event) == [Self.event("m", time: 1, record: 1)])
        #expect(try store.sentWhileAway(since: 11).isEmpty)
    }

    @Test func anItemThatIsNotJSONStillCollapsesOnlyWithItself() throws {
        let store = try HistoryStore.inMemory()
        let a = try store.addToOutbox(sink: "phone", event: "not json", away: false, now: 1)
        #expect(try store.addToOutbox(sink: "phone", event: "not json", away: false, now: 2) == a)
        #expect(try store.addToOutbox(sink: "phone", event: Self.event("m", time: 1, record: 1), away: false, now: 3) != a)
    }
}

import Testing
@testable import TrainBellCore

@Suite struct ProgressCoalescerTests {
    static func progress(_ job: String, _ step: UInt64) -> RemoteEvent {
        RemoteEvent(id: "\(job)-\(step)", host: "h", job: job, time: 0, kind: .progress(step: step, total: 100))
    }

    @Test func atMostOneMessageASecondPerJobAndTheLastIsKept() {
        var coalescer = ProgressCoalescer(interval: 1_000)
        var sent: [RemoteEvent] = []
        for step in UInt64(0)..<100 {
            let now = Int64(step) * 25
            if let event = coalescer.report(Self.progress("a", step), now: now) { sent.append(event) }
            sent += coalescer.due(now: now)
        }
        #expect(sent.map(\.id) == ["a-0", "a-40", "a-80"])
        #expect(coalescer.nextDue == 3_000)
        #expect(coalescer.due(now: 3_000).map(\.id) == ["a-99"])
        #expect(coalescer.nextDue == nil)
    }

    @Test func theEndFlushesTheKeptReport() {
        var coalescer = ProgressCoalescer(interval: 1_000)
        _ = coalescer.report(Self.progress("a", 1), now: 0)
        _ = coalescer.report(Self.progress("a", 2), now: 10)
        #expect(coalescer.flush(job: "a")?.id == "a-2")
        #expect(coalescer.report(Self.progress("a", 3), now: 20)?.id == "a-3")
    }
}

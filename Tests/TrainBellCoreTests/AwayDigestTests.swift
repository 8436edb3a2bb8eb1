import Testing
@testable import TrainBellCore

@Suite struct AwayDigestTests {
    static func event(_ job: String, _ time: Double, _ kind: RemoteEvent.Kind, host: String = "gpu-07") -> RemoteEvent {
        RemoteEvent(id: "\(job)-\(time)", host: host, job: job, time: time, kind: kind)
    }

    @Test func oneLinePerJobInThePublishersOrder() {
        var digest = AwayDigest()
        digest.add(Self.event("run-43", 5, .start(title: "t", total: 10)))
        digest.add(Self.event("run-42", 1, .start(title: "t", total: 10)))
        digest.add(Self.event("run-42", 2, .warning(message: "slow")))
        digest.add(Self.event("run-42", 3, .complete(message: nil)))
        digest.add(Self.event("run-43", 6, .error(message: "CUDA out of memory\nTraceback…", type: "oom_error", urgency: nil)))
        digest.add(Self.event("run-44", 7, .progress(step: 75, total: 100), host: "gpu-08"))
        digest.add(Self.event("run-45", 8, .metrics(step: 1, values: [:])))
        #expect(digest.lines == [
            "run-42 finished on gpu-07 (1 warning)", "run-43 failed on gpu-07: CUDA out of memory", "run-44 reached 75 % on gpu-08",
        ])
        let event = digest.event
        #expect(event.type == .digest && event.title == "While you were away")
        #expect(event.urgency == .critical && !event.respectsDoNotDisturb)
    }

    @Test func withoutFailureItIsQuietAndRespectsDoNotDisturb() {
        var digest = AwayDigest()
        digest.add(Self.event("run-1", 1, .cancel))
        #expect(digest.lines == ["run-1 was cancelled on gpu-07"])
        #expect(digest.event.urgency == .normal && digest.event.respectsDoNotDisturb)
    }

    @Test func twoHostsSameJobStayTwoLines() {
        var digest = AwayDigest()
        digest.add(Self.event("run-1", 1, .complete(message: nil), host: "a"))
        digest.add(Self.event("run-1", 2, .complete(message: nil), host: "b"))
        #expect(digest.lines == ["run-1 finished on a", "run-1 finished on b"])
    }

    @Test func aNewStartForgetsTheEarlierRun() {
        var digest = AwayDigest()
        digest.add(Self.event("run-1", 1, .error(message: "boom", type: "", urgency: nil)))
        digest.add(Self.event("run-1", 2, .start(title: "again", total: 0)))
        #expect(digest.lines == ["run-1 started on gpu-07"])
        #expect(!digest.hasFailure)
    }
}

import PropertyBased
import Testing
import TrainBellCore

/// The queue between `trainbell run`'s output pump and its sender: progress coalesced to the latest,
/// errors, warnings and the end kept in order, memory bounded whatever trainbelld does.
@Suite struct RunReportQueueTests {
    @Test func progressAtTheEndIsReplacedByTheLatestAndNothingIsReordered() {
        var queue = RunReportQueue(capacity: 8)
        queue.push(.start(title: "t", total: 0, appID: "org.gnome.Terminal"))
        queue.push(.progress(current: 1, total: 0))
        queue.push(.progress(current: 2, total: 100))
        queue.push(.warning(message: "w"))
        queue.push(.progress(current: 3, total: 0))
        queue.push(.progress(current: 4, total: 0))
        queue.push(.error(message: "e", type: "oom_error"))
        queue.push(.complete(message: ""))
        #expect(queue.popAll() == [
            .start(title: "t", total: 0, appID: "org.gnome.Terminal"), .progress(current: 2, total: 100), .warning(message: "w"),
            .progress(current: 4, total: 0), .error(message: "e", type: "oom_error"), .complete(message: ""),
        ])
        #expect(queue.isEmpty && queue.droppedReports == 0)
    }

    @Test func aFullQueueCountsWhatItLeavesOutButKeepsTheLatestProgressAndTheEnd() {
        var queue = RunReportQueue(capacity: 2)
        queue.push(.warning(message: "1"))
        queue.push(.warning(message: "2"))
        queue.push(.progress(current: 5, total: 10))
        queue.push(.warning(message: "3"))
        queue.push(.progress(current: 6, total: 10))
        queue.push(.cancel)
        #expect(queue.droppedReports == 1)
        #expect(queue.popAll() == [.warning(message: "1"), .warning(message: "2"), .progress(current: 6, total: 10), .cancel])
    }

    @Test func theLatestProgressMadeWhileFullGoesInWhenThereIsRoom() {
        var queue = RunReportQueue(capacity: 1)
        queue.push(.error(message: "e", type: "cuda_error"))
        queue.push(.progress(current: 1, total: 0))
        queue.push(.progress(current: 2, total: 0))
        #expect(queue.count == 2)
        #expect(queue.pop() == .error(message: "e", type: "cuda_error"))
        queue.push(.warning(message: "w"))
        #expect(queue.popAll() == [.progress(current: 2, total: 0)])
        #expect(queue.droppedReports == 1)
    }

    @Test func nothingIsQueuedAfterTheEnd() {
        var queue = RunReportQueue(capacity: 4)
        queue.push(.complete(message: "done"))
        queue.push(.progress(current: 9, total: 9))
        queue.push(.warning(message: "late"))
        #expect(queue.popAll() == [.complete(message: "done")])
        #expect(queue.droppedReports == 1)
    }

    /// What a random interleaving of reports and sends does.
    static let steps = Gen.int(in: 0...9).array(of: 0...300)

    @Test func anyInterleavingKeepsOrderKeepsTheLatestProgressAndStaysBounded() async {
        await propertyCheck(count: 300, input: Self.steps, Gen.int(in: 1...6)) { steps, capacity in
            var queue = RunReportQueue(capacity: capacity)
            var pushed: [RunReport] = []
            var popped: [RunReport] = []
            var ended = false
            for (index, step) in steps.enumerated() {
                let n = UInt64(index)
                switch step {
                case 0...3 where !ended:
                    let report = RunReport.progress(current: n, total: 0)
                    queue.push(report)
                    pushed.append(report)
                case 4 where !ended:
                    queue.push(.warning(message: "\(n)"))
                    pushed.append(.warning(message: "\(n)"))
                case 5 where !ended:
                    queue.push(.error(message: "\(n)", type: "x"))
                    pushed.append(.error(message: "\(n)", type: "x"))
                case 6 where !ended:
                    let report = RunReport.metrics(try! MetricReport(step: n, values: [("loss", n % 2 == 0 ? .nan : 1)]))
                    queue.push(report)
                    pushed.append(report)
                case 9 where !ended:
                    ended = true
                    queue.push(.complete(message: "\(n)"))
                    pushed.append(.complete(message: "\(n)"))
                default:
                    if let report = queue.pop() { popped.append(report) }
                }
                #expect(queue.count <= capacity + 5)
            }
            popped += queue.popAll()
            // What was sent came in the order it was made.
            var rest = pushed[...]
            for report in popped {
                guard let at = rest.firstIndex(of: report) else {
                    Issue.record("\(report) sent out of order or never made")
                    return
                }
                rest = rest[(at + 1)...]
            }
            // Nothing but progress and metrics is lost unless counted; the end, the last progress and
            // the last metrics always arrive.
            let kept = { (r: RunReport) -> Bool in !r.isCoalescedForTest }
            #expect(pushed.filter(kept).count == popped.filter(kept).count + queue.droppedReports)
            if ended { #expect(popped.contains { if case .complete = $0 { true } else { false } }) }
            let lastProgress = pushed.last { if case .progress = $0 { true } else { false } }
            #expect(popped.last { if case .progress = $0 { true } else { false } } == lastProgress)
            let lastMetrics = pushed.last { if case .metrics = $0 { true } else { false } }
            #expect(popped.last { if case .metrics = $0 { true } else { false } } == lastMetrics)
        }
    }
}

extension RunReport {
    var isCoalescedForTest: Bool {
        switch self {
        case .progress, .metrics: true
        default: false
        }
    }
}

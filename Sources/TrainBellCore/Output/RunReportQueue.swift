/// The reports of `trainbell run` waiting to be sent, in the order they
/// were made: a small bounded queue between the output pump, which must
/// never wait, and the sender, which waits for trainbelld.
///
/// - Progress is coalesced: a progress report replaces the progress report
///   among the progress and metrics reports at the end of the queue (and
///   goes after them), so only the latest position waits (and nothing made
///   before it is reordered). Metrics queue as they come while there is
///   room.
/// - Start, errors, warnings and the end are never dropped while the queue
///   has room; it holds ``capacity`` reports. Once full (trainbelld has
///   not answered for long and the training keeps printing new errors or
///   warnings), further errors and warnings are counted in
///   ``droppedReports`` instead; progress and metrics then wait in one slot
///   each beside the queue (the latest kept, the others left out without
///   being counted: they are not errors), and the end of the job always
///   gets in. The end is the last report of a run: reports made after it
///   are left out (and counted). Memory stays bounded whatever the output
///   and the daemon do.
public struct RunReportQueue: Sendable {
    /// How many reports wait at most, besides the end of the job and the
    /// latest progress and metrics made while full, which go in ahead of the
    /// next error or the end (``count`` stays at most `capacity + 5`).
    public let capacity: Int

    private var reports: [RunReport] = []
    private var head = 0
    /// The latest progress and metrics made while the queue was full, in the order made.
    private var waiting: [RunReport] = []
    /// Whether the end of the job has been queued.
    private var ended = false

    /// Errors and warnings left out because the queue was full (or made after the end).
    public private(set) var droppedReports = 0

    /// An empty queue of `capacity` reports (at least 1).
    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 1)
    }

    /// How many reports wait.
    public var count: Int { reports.count - head + waiting.count }

    /// Whether nothing waits.
    public var isEmpty: Bool { count == 0 }

    /// Queues `report` after those made before it.
    public mutating func push(_ report: RunReport) {
        guard !ended else {
            if !report.isCoalesced { droppedReports += 1 }
            return
        }
        if report.isCoalesced {
            if let index = waiting.firstIndex(where: { $0.isSameCoalescedKind(as: report) }) {
                waiting.remove(at: index)
                waiting.append(report)
                return
            }
            guard waiting.isEmpty else {
                waiting.append(report)
                return
            }
            // A progress report replaces the progress among the coalesced reports at the end (it
            // comes after them). Metrics are not replaced while there is room: each report holds
            // numbers of its own (a trainer logs the eval metrics just after the train ones).
            var index = reports.count - 1
            while case .progress = report, index >= head, reports[index].isCoalesced {
                if reports[index].isSameCoalescedKind(as: report) {
                    reports.remove(at: index)
                    reports.append(report)
                    return
                }
                index -= 1
            }
            if reports.count - head < capacity {
                reports.append(report)
            } else {
                waiting.append(report)
            }
            return
        }
        guard reports.count - head < capacity || report.isEnd else {
            droppedReports += 1
            return
        }
        moveWaiting()
        reports.append(report)
        if report.isEnd { ended = true }
    }

    /// Takes the oldest report.
    public mutating func pop() -> RunReport? {
        guard head < reports.count else {
            return waiting.isEmpty ? nil : waiting.removeFirst()
        }
        let report = reports[head]
        head += 1
        if head == reports.count {
            reports.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= reports.count {
            reports.removeFirst(head)
            head = 0
        }
        while reports.count - head < capacity, !waiting.isEmpty { reports.append(waiting.removeFirst()) }
        return report
    }

    /// Takes every report, oldest first.
    public mutating func popAll() -> [RunReport] {
        var all: [RunReport] = []
        while let report = pop() { all.append(report) }
        return all
    }

    private mutating func moveWaiting() {
        guard !waiting.isEmpty else { return }
        reports += waiting
        waiting.removeAll()
    }
}

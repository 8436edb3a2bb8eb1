/// The reports of `trainbell run` waiting to be sent, in the order they
/// were made: a small bounded queue between the output pump, which must
/// never wait, and the sender, which waits for trainbelld.
///
/// - Progress is coalesced: a progress report replaces a progress report
///   at the end of the queue, so only the latest position waits (and
///   nothing made before it is reordered).
/// - Start, errors, warnings and the end are never dropped while the queue
///   has room; it holds ``capacity`` reports. Once full (trainbelld has
///   not answered for long and the training keeps printing new errors or
///   warnings), further errors and warnings are counted in
///   ``droppedReports`` instead; a progress report then waits in one slot
///   beside the queue (the latest kept), and the end of the job always
///   gets in. The end is the last report of a run: reports made after it
///   are left out (and counted). Memory stays bounded whatever the output
///   and the daemon do.
public struct RunReportQueue: Sendable {
    /// How many reports wait at most (besides the end of the job and the
    /// latest progress).
    public let capacity: Int

    private var reports: [RunReport] = []
    private var head = 0
    /// The latest progress made while the queue was full.
    private var waitingProgress: RunReport?
    /// Whether the end of the job has been queued.
    private var ended = false

    /// Errors and warnings left out because the queue was full (or made after the end).
    public private(set) var droppedReports = 0

    /// An empty queue of `capacity` reports (at least 1).
    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 1)
    }

    /// How many reports wait.
    public var count: Int { reports.count - head + (waitingProgress == nil ? 0 : 1) }

    /// Whether nothing waits.
    public var isEmpty: Bool { count == 0 }

    /// Queues `report` after those made before it.
    public mutating func push(_ report: RunReport) {
        guard !ended else {
            if case .progress = report {} else { droppedReports += 1 }
            return
        }
        if case .progress = report {
            if waitingProgress != nil {
                waitingProgress = report
            } else if head < reports.count, case .progress = reports[reports.count - 1] {
                reports[reports.count - 1] = report
            } else if reports.count - head < capacity {
                reports.append(report)
            } else {
                waitingProgress = report
            }
            return
        }
        guard reports.count - head < capacity || report.isEnd else {
            droppedReports += 1
            return
        }
        moveWaitingProgress()
        reports.append(report)
        if report.isEnd { ended = true }
    }

    /// Takes the oldest report.
    public mutating func pop() -> RunReport? {
        guard head < reports.count else {
            defer { waitingProgress = nil }
            return waitingProgress
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
        if reports.count - head < capacity { moveWaitingProgress() }
        return report
    }

    /// Takes every report, oldest first.
    public mutating func popAll() -> [RunReport] {
        var all: [RunReport] = []
        while let report = pop() { all.append(report) }
        return all
    }

    private mutating func moveWaitingProgress() {
        guard let progress = waitingProgress else { return }
        waitingProgress = nil
        reports.append(progress)
    }
}

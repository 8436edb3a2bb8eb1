import BusTestSupport
import DBus

/// A trainer that reports to trainbelld through its own connection, and remembers what the history of
/// each of its jobs must hold, in call order: every record a call was acknowledged with, and the
/// milestone notifications its progress crossed (DESIGN section 4: one update that crosses several
/// milestones gives one record, for the highest).
struct TrainerModel {
    /// One entry of a job's expected history.
    enum Entry: Equatable, CustomStringConvertible {
        /// A record acknowledged with its id.
        case record(id: UInt64, type: String, message: String)
        /// A milestone notification (its id was never told to the caller).
        case milestone(Int)

        var description: String {
            switch self {
            case .record(let id, let type, let message): "\(type) #\(id) '\(message)'"
            case .milestone(let m): "milestone \(m)"
            }
        }

        /// The entry a record of `GetNotifications` is, in the same terms.
        init?(record: [String: DBusValue]) {
            guard let type = record["type"]?.stringValue else { return nil }
            if type == "progress", let milestone = record["milestone"]?.integerValue {
                self = .milestone(Int(milestone))
            } else if let id = record["id"]?.integerValue, let message = record["message"]?.stringValue {
                self = .record(id: UInt64(id), type: type, message: message)
            } else {
                return nil
            }
        }
    }

    /// The state of one job as the trainer knows it.
    struct Job {
        let id: String
        let title: String
        var running = false
        var step: UInt64 = 0
        /// How many of `milestones` this run has crossed.
        var crossed = 0
        var expected: [Entry] = []
    }

    static let milestones = [25, 50, 75]

    let client: DaemonClient
    let total: UInt64
    var jobs: [String: Job] = [:]

    init(client: DaemonClient, total: UInt64) {
        self.client = client
        self.total = total
    }

    /// `StartJob`: a new run, milestones start over.
    mutating func start(_ id: String, title: String) throws {
        _ = try client.startJob(id, title: title, total: total)
        var job = jobs[id] ?? Job(id: id, title: title)
        job.running = true
        job.step = 0
        job.crossed = 0
        jobs[id] = job
    }

    /// `ReportProgress` to `step` (below the total: completion is `complete`).
    mutating func progress(_ id: String, to step: UInt64) throws {
        try client.progress(id, step)
        guard var job = jobs[id] else { return }
        job.step = step
        var highest: Int?
        while job.crossed < Self.milestones.count,
              UInt128(step) * 100 >= UInt128(Self.milestones[job.crossed]) * UInt128(total) {
            highest = Self.milestones[job.crossed]
            job.crossed += 1
        }
        if let highest { job.expected.append(.milestone(highest)) }
        jobs[id] = job
    }

    mutating func warn(_ id: String, _ message: String) throws {
        let record = try client.api.reportWarning(id, message: message)
        acknowledged(id, record, type: "warning", message: message)
    }

    mutating func error(_ id: String, _ message: String, type: String) throws {
        let record = try client.api.reportError(id, message: message, type: type)
        acknowledged(id, record, type: "error", message: message)
    }

    /// `CompleteJob`: the run ends; its record says how far it got (the default template).
    mutating func complete(_ id: String, _ message: String) throws {
        let record = try client.api.completeJob(id, message: message)
        guard let job = jobs[id] else { return }
        acknowledged(id, record, type: "completion", message: "\(job.title) finished after \(job.step) steps.\n\(message)")
        jobs[id]?.running = false
    }

    private mutating func acknowledged(_ id: String, _ record: UInt64, type: String, message: String) {
        jobs[id]?.expected.append(.record(id: record, type: type, message: message))
    }
}

extension TrainerModel {
    /// How the history of a job differs from what was acknowledged: nil when it holds exactly the
    /// expected entries in call order, with ids increasing and timestamps never going back.
    static func difference(history: [[String: DBusValue]], expected: [Entry]) -> String? {
        let entries = history.compactMap(Entry.init(record:))
        let ids = history.compactMap { $0["id"]?.integerValue }
        let timestamps = history.compactMap { $0["timestamp"]?.integerValue }
        var problems: [String] = []
        let acknowledged = Set(expected.compactMap { if case .record(let id, _, _) = $0 { id } else { nil } })
        let present = Set(entries.compactMap { if case .record(let id, _, _) = $0 { id } else { nil } })
        let lost = acknowledged.subtracting(present)
        if !lost.isEmpty { problems.append("\(lost.count) acknowledged records are missing: \(lost.sorted().prefix(10))") }
        if entries != expected {
            let first = (0..<min(entries.count, expected.count)).first { entries[$0] != expected[$0] } ?? min(entries.count, expected.count)
            problems.append("history differs from the calls at entry \(first) of \(expected.count): "
                + "history has \(entries.dropFirst(first).prefix(3).map(\.description)), calls made \(expected.dropFirst(first).prefix(3).map(\.description))")
        }
        if ids != ids.sorted() || Set(ids).count != ids.count { problems.append("record ids are not increasing: \(ids.prefix(20))") }
        if timestamps != timestamps.sorted() { problems.append("timestamps go back: \(timestamps.prefix(20))") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}

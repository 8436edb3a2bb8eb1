import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell history`: the notification records.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the notifications of a job (or all jobs), shown or not, oldest first; or its metrics.",
        discussion: """
            With --metrics, the metrics the job reported instead (ReportMetrics, trainbell run, the Python \
            package), as trainbelld keeps them: downsampled to about 2,000 points a metric, the first, last, \
            lowest and highest kept. In JSON a NaN or an infinity is null (JSON has no such numbers).

            Examples: trainbell history run-42 --limit 5
                      trainbell history run-42 --metrics --json
            """)

    @Argument(help: "The job id (default: all jobs).")
    var job: String = ""

    @Flag(help: "Print JSON (one array of records).")
    var json = false

    @Option(help: "Only the newest N records.")
    var limit: Int?

    @Flag(help: "The job's metrics (step and values) instead of its notifications.")
    var metrics = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if metrics && job.isEmpty { throw ValidationError("--metrics needs a job id: trainbell history JOB --metrics") }
    }

    func run() throws {
        if metrics { return try printMetrics() }
        try reporting {
            var records = try Service.connect().call(TrainBell1.getNotifications, job).value.map(\.dbusValue)
            if let limit, records.count > limit { records = Array(records.suffix(limit)) }
            if json {
                print("[" + records.map(JSON.encode).joined(separator: ",") + "]")
                return
            }
            if records.isEmpty {
                print("No notifications\(job.isEmpty ? "" : " for \(job)").")
                return
            }
            print("\("TIME".padded(19))  \("JOB".padded(14))  \("TYPE".padded(10))  \("DELIVERY".padded(14))  TITLE")
            for r in records {
                let f = r.stringKeyedEntries?.mapValues(\.unwrapped) ?? [:]
                let time = localTime(f["timestamp"]?.integerValue ?? 0)
                print("\(time)  \((f["job_id"]?.stringValue ?? "").padded(14))  \((f["type"]?.stringValue ?? "").padded(10))  \((f["delivery"]?.stringValue ?? "").padded(14))  \(f["title"]?.stringValue ?? "")")
            }
        }
    }

    /// `--metrics`: the rows of `GetMetrics`, a line each or one JSON array.
    private func printMetrics() throws {
        try reporting {
            var rows = try Service.connect().call(TrainBell1.getMetrics, job).value
            if let limit, rows.count > limit { rows = Array(rows.suffix(limit)) }
            if json {
                func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
                let items = rows.map { row in
                    let values = row.values.sorted { $0.key < $1.key }.map { "\(JSON.encode(.string($0.key))):\(number($0.value))" }
                    return "{\"step\":\(row.step),\"values\":{\(values.joined(separator: ","))}}"
                }
                print("[" + items.joined(separator: ",") + "]")
                return
            }
            if rows.isEmpty {
                print("No metrics for \(job).")
                return
            }
            for row in rows {
                print("\(String(row.step).padded(10))  " + row.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "  "))
            }
        }
    }
}

import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell history`: the notification records.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the notifications of a job (or all jobs), shown or not, oldest first.")

    @Argument(help: "The job id (default: all jobs).")
    var job: String = ""

    @Flag(help: "Print JSON (one array of records).")
    var json = false

    @Option(help: "Only the newest N records.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
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
}

import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell status`: jobs, Do Not Disturb, the notification server.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show jobs with progress, Do Not Disturb and the notification server.",
        discussion: "Start here when notifications do not appear.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reporting {
            let service = try Service.connect()
            let root = try service.call("GetAll", [.string(Service.interface.rawValue)], interface: .properties).first ?? .vardict([])
            let managed = try service.call("GetManagedObjects", interface: .objectManager).first
            var jobs: [[String: DBusValue]] = []
            for entry in managed?.dictionaryEntries ?? [] {
                guard let props = entry.value.stringKeyedEntries?[Service.jobInterface.rawValue]?.stringKeyedEntries else { continue }
                jobs.append(props.mapValues(\.unwrapped))
            }
            jobs.sort { ($0["StartedAt"]?.integerValue ?? 0) < ($1["StartedAt"]?.integerValue ?? 0) }
            let props = root.stringKeyedEntries?.mapValues(\.unwrapped) ?? [:]
            if json {
                let jobsJSON = "[" + jobs.map { JSON.encode(.vardict($0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })) }.joined(separator: ",") + "]"
                print("{\"daemon\":\(JSON.encode(root)),\"jobs\":\(jobsJSON)}")
                return
            }
            let server = props["NotificationServer"]?.stringValue ?? ""
            let dnd = props["DoNotDisturb"]?.boolValue ?? false
            print("trainbelld \(props["Version"]?.stringValue ?? "?")")
            print("  notification server: \(server.isEmpty ? "none — notifications are recorded; errors and completions wait for one" : server)")
            print("  do not disturb:      \(dnd ? "on" : "off") (source: \(props["DoNotDisturbSource"]?.stringValue ?? "none"))")
            print("  running jobs:        \(props["ActiveJobs"]?.integerValue ?? 0)")
            // Said only when the history is degraded (an older daemon has no such property).
            if let history = props["HistoryState"]?.stringValue, history != "ok" {
                print("  history:             \(history)")
            }
            if jobs.isEmpty {
                print("\nNo jobs yet. Start one with 'trainbell run -- CMD' or 'trainbell start JOB --total N'.")
                return
            }
            print("")
            for job in jobs {
                let id = job["Id"]?.stringValue ?? ""
                let progress = job["Progress"]?.doubleValue ?? 0
                let step = UInt64(dbusValue: job["CurrentStep"] ?? .uint64(0)) ?? 0
                let total = UInt64(dbusValue: job["TotalSteps"] ?? .uint64(0)) ?? 0
                let state = job["State"]?.stringValue ?? ""
                let percent = Int((progress * 100).rounded(.down))
                var line = "  \(id.padded(16)) \(progressBar(progress)) \(String(percent).padded(3))%  \(step)/\(total == 0 ? "?" : String(total))  \(state)"
                if let title = job["Title"]?.stringValue, title != id { line += "  \(title)" }
                print(line)
                if let error = job["LastError"]?.stringValue, !error.isEmpty, state == "failed" {
                    print("  \(String(repeating: " ", count: 16)) last error: \(error.split(separator: "\n").first.map(String.init) ?? "")")
                }
            }
        }
    }
}

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

/// `trainbell dnd`: the Do Not Disturb state.
struct DndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dnd",
        abstract: "Show whether Do Not Disturb is on, and which desktop setting decided it.")

    func run() throws {
        try reporting {
            let reply = try Service.connect().call(TrainBell1.getDoNotDisturb)
            let (on, source) = (reply.active, reply.source)
            print("Do Not Disturb is \(on ? "on" : "off") (source: \(source))")
            if on { print("Progress, completion and warnings are held back; errors are still shown.") }
        }
    }
}

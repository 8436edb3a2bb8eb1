import ArgumentParser
import DBus
import TrainBellAPI
import TrainBellCore

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
            let root = try service.call(TrainBellObjects.getAllProperties, Service.interface.rawValue).value
            let managed = try service.call(TrainBellObjects.getManagedObjects).value
            var jobs: [[String: DBusValue]] = []
            for interfaces in managed.values {
                guard let props = interfaces[Service.jobInterface.rawValue] else { continue }
                jobs.append(props.mapValues(\.unwrapped))
            }
            jobs.sort { ($0["StartedAt"]?.integerValue ?? 0) < ($1["StartedAt"]?.integerValue ?? 0) }
            let props = root.mapValues(\.unwrapped)
            if json {
                func object(_ properties: [String: DBusValue]) -> String {
                    JSON.encode(.vardict(properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
                }
                let jobsJSON = "[" + jobs.map(object).joined(separator: ",") + "]"
                print("{\"daemon\":\(object(props)),\"jobs\":\(jobsJSON)}")
                return
            }
            let server = props["NotificationServer"]?.stringValue ?? ""
            let dnd = props["DoNotDisturb"]?.boolValue ?? false
            print("trainbelld \(props["Version"]?.stringValue ?? "?")")
            print("  notification server: \(server.isEmpty ? "none — notifications are recorded; errors and completions wait for one" : server)")
            print("  do not disturb:      \(dnd ? "on" : "off") (source: \(props["DoNotDisturbSource"]?.stringValue ?? "none"))")
            // An older daemon has no such property.
            if let presence = props["Presence"]?.stringValue {
                print("  presence:            \(presence == "at-desk" ? "at desk" : presence) (\(props["PresenceSource"]?.stringValue ?? "none"))")
            }
            print("  running jobs:        \(props["ActiveJobs"]?.integerValue ?? 0)")
            // Said only when a broker is configured (an older daemon has no such property).
            if let remote = props["RemoteStatus"]?.stringValue, remote != "off" {
                let refused = props["RemoteRefused"].flatMap { UInt64(dbusValue: $0) } ?? 0
                print("  broker:              \(remote)\(refused > 0 ? " (\(refused) messages refused)" : "")")
            }
            // A line per sink (an older daemon has no such property).
            if case .array(_, let sinks)? = props["SinkStatus"], !sinks.isEmpty {
                for (index, sink) in sinks.enumerated() {
                    print((index == 0 ? "  sinks:" : "").padded(23) + (sink.stringValue ?? ""))
                }
            }
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
                if let seconds = job["SecondsLeft"]?.doubleValue, seconds >= 0, state == "running" {
                    line += "  " + TimeLeft.describe(seconds)
                }
                if let curve = Self.lossCurve(id, service) { line += "  " + curve }
                if let title = job["Title"]?.stringValue, title != id { line += "  \(title)" }
                if let host = job["Host"]?.stringValue, !host.isEmpty { line += "  on \(host)" }
                print(line)
                if let error = job["LastError"]?.stringValue, !error.isEmpty, state == "failed" {
                    print("  \(String(repeating: " ", count: 16)) last error: \(error.split(separator: "\n").first.map(String.init) ?? "")")
                }
            }
        }
    }

    /// "loss ▇▅▄▃▂▂▁ 0.42": the job's main loss at a glance; nil without one (or an older daemon).
    static func lossCurve(_ job: String, _ service: Service) -> String? {
        guard let rows = try? service.call(TrainBell1.getMetrics, job, timeout: 5).value,
              let name = LossSeries.main(among: Self.firstReported(rows)) else { return nil }
        let values = rows.compactMap { $0.values[name] }
        guard values.count >= 2 else { return nil }
        let last = values.last { $0.isFinite }.map { " \(LossCurve.formatted($0))" } ?? ""
        return "\(name) \(LossSeries.sparkline(values))\(last)"
    }

    /// The metric names of `rows` in the order they were first reported.
    static func firstReported(_ rows: [MetricsRow]) -> [String] {
        var seen: Set<String> = []
        var names: [String] = []
        for row in rows { for name in row.values.keys.sorted() where seen.insert(name).inserted { names.append(name) } }
        return names
    }
}

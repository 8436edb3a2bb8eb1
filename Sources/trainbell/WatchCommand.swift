import ArgumentParser
import DBus
import Glibc
import TrainBellAPI

/// `trainbell watch`: the live stream of decisions and job changes (the seed's WebSocket stream, on D-Bus).
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Stream notifications and job changes live until interrupted (Ctrl-C).")

    @Argument(help: "Only this job (default: all).")
    var job: String?

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func run() throws {
        try reporting {
            let service = try Service.connect()
            let loop = PollLoop()
            service.connection.attach(to: loop)
            var lost = false
            service.connection.onDisconnect = { lost = true; loop.quit() }
            try service.connection.subscribe(MatchRule(sender: Service.name.rawValue, path: Service.path,
                                                       interface: Service.interface, member: "NotificationEmitted")) { message in
                guard let args = try? message.arguments(), args.count == 2, let jobID = args[0].stringValue else { return }
                if let job, job != jobID { return }
                let record = args[1].stringKeyedEntries?.mapValues(\.unwrapped) ?? [:]
                if json {
                    print("{\"event\":\"notification\",\"job_id\":\(JSON.encode(.string(jobID))),\"record\":\(JSON.encode(args[1]))}")
                } else {
                    let time = localTime(record["timestamp"]?.integerValue ?? 0)
                    print("\(time)  \(jobID)  \(record["type"]?.stringValue ?? "")  \(record["delivery"]?.stringValue ?? "")  \(record["title"]?.stringValue ?? "")")
                }
                fflush(nil)
            }
            // A job's PropertiesChanged carries what changed; the rest is what was read or announced before
            // (read once with GetAll when a job is first seen).
            var jobStates: [ObjectPath: [String: DBusValue]] = [:]
            try service.connection.subscribe(MatchRule(sender: Service.name.rawValue, pathNamespace: "/org/trainbell/TrainBell1/job",
                                                       interface: .properties, member: "PropertiesChanged")) { message in
                guard let path = message.path, let args = try? message.arguments(), args.count == 3,
                      args[0].stringValue == Service.jobInterface.rawValue,
                      let update = args[1].stringKeyedEntries?.mapValues(\.unwrapped) else { return }
                var changed = jobStates[path] ?? Self.properties(of: path, service) ?? [:]
                changed.merge(update) { $1 }
                jobStates[path] = changed
                guard let id = changed["Id"]?.stringValue else { return }
                if let job, job != id { return }
                if json {
                    let properties = DBusValue.vardict(changed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                    print("{\"event\":\"job\",\"job_id\":\(JSON.encode(.string(id))),\"properties\":\(JSON.encode(properties))}")
                } else {
                    let progress = changed["Progress"]?.doubleValue ?? 0
                    print("\(localTime(changed["UpdatedAt"]?.integerValue ?? 0))  \(id)  \(changed["State"]?.stringValue ?? "")  \(progressBar(progress)) \(Int((progress * 100).rounded(.down)))%")
                }
                fflush(nil)
            }
            try service.connection.subscribe(MatchRule(sender: Service.name.rawValue, path: Service.path,
                                                       interface: Service.interface, member: "ActionInvoked")) { message in
                guard let args = try? message.arguments(), args.count == 2, let id = args[0].stringValue else { return }
                if let job, job != id { return }
                if json {
                    print("{\"event\":\"action\",\"job_id\":\(JSON.encode(args[0])),\"action\":\(JSON.encode(args[1]))}")
                } else {
                    print("action  \(id)  \(args[1].stringValue ?? "")")
                }
                fflush(nil)
            }
            // Make sure the daemon runs (activation) and say what is being watched.
            _ = try service.call(TrainBell1.getDoNotDisturb)
            if !json { printError("Watching \(job.map { "job \($0)" } ?? "all jobs"); Ctrl-C stops.") }
            for signal in [SIGINT, SIGTERM] {
                loop.addUnixSignal(signal) {
                    loop.quit()
                    return false
                }
            }
            loop.run()
            if lost { throw Failure(message: "the session bus went away", code: Service.unavailable) }
        }
    }

    /// Every property of the job object at `path`, or nil when it cannot be read (the job is gone).
    static func properties(of path: ObjectPath, _ service: Service) -> [String: DBusValue]? {
        let values = try? service.call(TrainBellObjects.getAllProperties, Service.jobInterface.rawValue, path: path, timeout: 2)
        return values?.value.mapValues(\.unwrapped)
    }
}

import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell start`: `StartJob`.
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a training run (milestones start over; history is kept).",
        discussion: "Example: trainbell start run-42 --title \"Llama fine-tune\" --total 1000 --milestones 10,50,90")

    @Argument(help: "The job id: 1 to 128 bytes, no control characters (e.g. run-42).")
    var job: String

    @Option(help: "Shown in notifications (default: the job id).")
    var title: String = ""

    @Option(help: "Steps in the run (at least 1).")
    var total: UInt64

    @Option(name: .customLong("app-id"), help: "Desktop entry id whose dock icon shows the progress (e.g. org.gnome.Terminal).")
    var appID: String?

    @Option(help: "Percentages that notify, comma-separated, 1 to 100 (default 25,50,75; 100 always).")
    var milestones: String?

    @Option(help: "Icon name or path for this job's notifications.")
    var icon: String?

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func validate() throws {
        guard total >= 1 else { throw ValidationError("--total must be at least 1") }
        _ = try parsedMilestones()
    }

    func parsedMilestones() throws -> [UInt32]? {
        guard let milestones else { return nil }
        var values: [UInt32] = []
        for part in milestones.split(separator: ",", omittingEmptySubsequences: false) {
            let text = String(part).trimmed
            guard let v = UInt32(text), (1...100).contains(v) else {
                throw ValidationError("--milestones: '\(text)' is not accepted; use whole percentages from 1 to 100 separated by commas, e.g. 10,50,90")
            }
            values.append(v)
        }
        return values
    }

    func run() throws {
        try reporting {
            // To a broker: the title and the total (app id, milestones and icon are the desktop's to choose).
            if try broker.publish(.start(title: title, total: total), job: job) { return }
            var options: TrainBell1.Options = [:]
            if let appID { options["app-id"] = .variant(.string(appID)) }
            if let m = try parsedMilestones() { options["milestones"] = .variant(.array(.uint32, m.map { .uint32($0) })) }
            if let icon { options["icon"] = .variant(.string(icon)) }
            let service = try Service.connect()
            print(try service.call(TrainBell1.startJob, job, title, total, options).value.rawValue)
            if let appID { warnIfNotInstalled(appID, service: service) }
        }
    }
}

/// One line on standard error when no dock can show `appID` (no desktop file for it where trainbelld
/// runs), naming the closest installed ids; the job is started all the same (exit status 0).
func warnIfNotInstalled(_ appID: String, service: Service) {
    guard let check = try? service.call(TrainBell1.checkAppID, appID), !check.installed else { return }
    let suggestions = check.suggestions
    let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"
    printError("trainbell: no desktop file is installed for app id '\(appID)', so no dock shows its progress\(hint)")
}

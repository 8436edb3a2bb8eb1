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

/// `trainbell progress`: `ReportProgress`, fire-and-forget unless `--wait`.
struct ProgressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Report the step a run has reached (cheap: fine to call every step).",
        discussion: "An unknown job is started with its id as title. Without --wait, errors are not reported back.")

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "The step reached.")
    var step: UInt64

    @Option(help: "Steps in the run, when it changed or was not given to 'start' (0 = unchanged).")
    var total: UInt64 = 0

    @Flag(help: "Wait for the daemon's answer and report errors.")
    var wait = false

    func run() throws {
        try reporting {
            let service = try Service.connect()
            if wait {
                try service.call(TrainBell1.reportProgress, job, step, total)
            } else {
                try service.callNoReply(TrainBell1.reportProgress, job, step, total)
            }
        }
    }
}

/// MESSAGE, or standard input when it is `-`.
func resolvedMessage(_ text: String) -> String { text == "-" ? readStandardInput() : text }

/// `trainbell error`: `ReportError`.
struct ErrorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "error",
        abstract: "Report an error: shown even in Do Not Disturb, with View Details and Retry.",
        discussion: """
            Error types with their own urgency: oom_error, cuda_error, system_crash (critical); \
            loss_divergence, gradient_explosion, data_error (high). Example:
              python train.py 2> err.log || trainbell error run-42 - --type oom_error < err.log
            """)

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "The error message; - reads it from standard input.")
    var message: String

    @Option(name: .customLong("type"), help: "The error type (default training_error).")
    var errorType: String = ""

    @Option(help: "low, normal, high or critical (default: from the error type).")
    var urgency: String = ""

    func validate() throws {
        if !urgency.isEmpty && !["low", "normal", "high", "critical"].contains(urgency.lowercased()) {
            throw ValidationError("--urgency: '\(urgency)' is not accepted; use low, normal, high or critical")
        }
    }

    func run() throws {
        try reporting {
            print(try Service.connect().call(TrainBell1.reportError, job, resolvedMessage(message), errorType, urgency).value)
        }
    }
}

/// `trainbell warn`: `ReportWarning`.
struct WarnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "warn", abstract: "Report a warning (held during Do Not Disturb).")

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "The warning; - reads it from standard input.")
    var message: String

    func run() throws {
        try reporting {
            print(try Service.connect().call(TrainBell1.reportWarning, job, resolvedMessage(message)).value)
        }
    }
}

/// `trainbell complete`: `CompleteJob`.
struct CompleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "End a run (early stopping…): the completion notification, unless 100% was already notified.")

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "A message for the notification; - reads it from standard input.")
    var message: String = ""

    func run() throws {
        try reporting {
            print(try Service.connect().call(TrainBell1.completeJob, job, resolvedMessage(message)).value)
        }
    }
}

/// `trainbell cancel`: `CancelJob`.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "End a run without a notification.")

    @Argument(help: "The job id.")
    var job: String

    func run() throws {
        try reporting { try Service.connect().call(TrainBell1.cancelJob, job) }
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

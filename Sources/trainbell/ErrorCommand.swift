import ArgumentParser
import DBus
import TrainBellAPI

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

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func validate() throws {
        if !urgency.isEmpty && !["low", "normal", "high", "critical"].contains(urgency.lowercased()) {
            throw ValidationError("--urgency: '\(urgency)' is not accepted; use low, normal, high or critical")
        }
    }

    func run() throws {
        try reporting {
            let text = resolvedMessage(message)
            if try broker.publish(.error(message: text, type: errorType, urgency: urgency.isEmpty ? nil : urgency.lowercased()), job: job) { return }
            print(try Service.connect().call(TrainBell1.reportError, job, text, errorType, urgency).value)
        }
    }
}

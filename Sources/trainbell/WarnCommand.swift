import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell warn`: `ReportWarning`.
struct WarnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "warn", abstract: "Report a warning (held during Do Not Disturb).")

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "The warning; - reads it from standard input.")
    var message: String

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func run() throws {
        try reporting {
            let text = resolvedMessage(message)
            if try broker.publish(.warning(message: text), job: job) { return }
            print(try Service.connect().call(TrainBell1.reportWarning, job, text).value)
        }
    }
}

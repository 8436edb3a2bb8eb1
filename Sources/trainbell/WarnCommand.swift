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

    func run() throws {
        try reporting {
            print(try Service.connect().call(TrainBell1.reportWarning, job, resolvedMessage(message)).value)
        }
    }
}

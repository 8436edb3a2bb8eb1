import ArgumentParser
import DBus
import TrainBellAPI

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

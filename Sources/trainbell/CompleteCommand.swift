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

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func run() throws {
        try reporting {
            let text = resolvedMessage(message)
            if try broker.publish(.complete(message: text.isEmpty ? nil : text), job: job) { return }
            print(try Service.connect().call(TrainBell1.completeJob, job, text).value)
        }
    }
}

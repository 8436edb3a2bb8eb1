import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell cancel`: `CancelJob`.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "End a run without a notification.")

    @Argument(help: "The job id.")
    var job: String

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func run() throws {
        try reporting {
            if try broker.publish(.cancel, job: job) { return }
            try Service.connect().call(TrainBell1.cancelJob, job)
        }
    }
}

import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell progress`: `ReportProgress`, fire-and-forget unless `--wait`.
struct ProgressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Report the step a run has reached (cheap: fine to call every step).",
        discussion: """
            An unknown job is started with its id as title. Without --wait, errors are not reported back. With \
            --broker, each call publishes one retained message on the job's progress topic (trainbell run \
            coalesces its own to one a second).
            """)

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "The step reached.")
    var step: UInt64

    @Option(help: "Steps in the run, when it changed or was not given to 'start' (0 = unchanged).")
    var total: UInt64 = 0

    @Flag(help: "Wait for the daemon's answer and report errors.")
    var wait = false

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func run() throws {
        try reporting {
            if try broker.publish(.progress(step: step, total: total), job: job) { return }
            let service = try Service.connect()
            if wait {
                try service.call(TrainBell1.reportProgress, job, step, total)
            } else {
                try service.callNoReply(TrainBell1.reportProgress, job, step, total)
            }
        }
    }
}

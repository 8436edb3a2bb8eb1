import ArgumentParser
import DBus
import TrainBellAPI
import TrainBellCore

/// `trainbell metrics`: `ReportMetrics` from a shell, fire-and-forget unless `--wait`. The values
/// are checked here by the daemon's own rules (`MetricReport`), so a bad one is named before
/// anything is sent, also without `--wait`.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Report numbers of a run at a step (loss, accuracy…), kept in its history.",
        discussion: """
            Each metric is NAME=VALUE: a name of 1 to 64 printable ASCII characters, a number (nan, inf \
            and -inf are accepted: they are the signal); at most 64 metrics a report. An unknown job is \
            started with its id as title. Without --wait, errors of the daemon are not reported back.
            """)

    @Argument(help: "The job id.")
    var job: String

    @Argument(help: "The step the values are of.")
    var step: UInt64

    @Argument(help: ArgumentHelp("The metrics, e.g. loss=0.41 acc=0.87.", valueName: "name=value"))
    var metrics: [String] = []

    @Flag(help: "Wait for the daemon's answer and report errors.")
    var wait = false

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    func validate() throws {
        _ = try Self.report(step: step, metrics)
    }

    func run() throws {
        let values = Dictionary(try Self.report(step: step, metrics).values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        try reporting {
            if try broker.publish(.metrics(step: step, values: values), job: job) { return }
            let service = try Service.connect()
            if wait {
                try service.call(TrainBell1.reportMetrics, job, step, values)
            } else {
                try service.callNoReply(TrainBell1.reportMetrics, job, step, values)
            }
        }
    }

    /// The report `arguments` make, or an error naming the argument that is not `name=value`.
    static func report(step: UInt64, _ arguments: [String]) throws -> MetricReport {
        guard !arguments.isEmpty else { throw ArgumentParser.ValidationError("missing the metrics: give at least one name=value, e.g. loss=0.41") }
        var values: [(name: String, value: Double)] = []
        for argument in arguments {
            // The last '=': a name may hold one, a number never does.
            guard let equals = argument.lastIndex(of: "=") else {
                throw ArgumentParser.ValidationError("'\(argument)' is not name=value (e.g. loss=0.41)")
            }
            let text = argument[argument.index(after: equals)...]
            guard let value = Double(text) else {
                throw ArgumentParser.ValidationError("'\(argument)': '\(text)' is not a number (e.g. 0.41, 2e-05, nan, inf)")
            }
            values.append((String(argument[..<equals]), value))
        }
        do {
            return try MetricReport(step: step, values: values)
        } catch {
            throw ArgumentParser.ValidationError(error.message)
        }
    }
}

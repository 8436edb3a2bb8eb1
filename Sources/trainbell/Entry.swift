import ArgumentParser
import DBus
import Glibc
import TrainBellAPI

/// The program's entry: `send` and `progress`, which scripts call in loops, run without building
/// ArgumentParser's command tree (its reflection over every subcommand costs more than the call
/// itself); everything else, and any argument those two do not take as given, goes to
/// `TrainBellCommand`, which explains what is wrong.
@main
enum Entry {
    static func main() {
        let arguments = brokerOptionsAfterSubcommand(Array(CommandLine.arguments.dropFirst()))
        switch arguments.first {
        case "send":
            if let code = SendCommand.runDirectly(Array(arguments.dropFirst())) { exit(code) }
        case "progress":
            // A broker is ArgumentParser's path (its options are read there).
            if let broker = getenv("TRAINBELL_BROKER"), broker.pointee != 0 { break }
            if let code = ProgressCommand.runDirectly(Array(arguments.dropFirst())) { exit(code) }
        default:
            break
        }
        TrainBellCommand.main(arguments)
    }

    /// `trainbell --broker URL start …` as `trainbell start --broker URL …`: the broker's options
    /// belong to the reporting subcommands, and may also come before the subcommand's name.
    static func brokerOptionsAfterSubcommand(_ arguments: [String]) -> [String] {
        let withValue: Set<String> = ["--broker", "--broker-password-file", "--broker-ca-file"]
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if withValue.contains(a), i + 1 < arguments.count {
                leading += [a, arguments[i + 1]]
                i += 2
            } else if a == "--broker-insecure" || withValue.contains(where: { a.hasPrefix($0 + "=") }) {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < arguments.count else { return arguments }
        return [arguments[i]] + leading + arguments[(i + 1)...]
    }
}

extension ProgressCommand {
    /// `progress JOB STEP [--total N] [--wait]` read directly; nil when the arguments are anything
    /// else (ArgumentParser then reports them).
    static func runDirectly(_ arguments: [String]) -> Int32? {
        var positionals: [String] = []
        var total: UInt64 = 0
        var wait = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--wait": wait = true
            case "--total":
                guard i + 1 < arguments.count, let t = UInt64(arguments[i + 1]) else { return nil }
                total = t
                i += 1
            default:
                if a.hasPrefix("-") {
                    guard a.hasPrefix("--total="), let t = UInt64(a.dropFirst(8)) else { return nil }
                    total = t
                } else {
                    positionals.append(a)
                }
            }
            i += 1
        }
        guard positionals.count == 2, let step = UInt64(positionals[1]) else { return nil }
        do {
            let service = try Service.connect()
            if wait {
                try service.call(TrainBell1.reportProgress, positionals[0], step, total)
            } else {
                try service.callNoReply(TrainBell1.reportProgress, positionals[0], step, total)
            }
            return 0
        } catch let failure as Failure {
            printError("trainbell: \(failure.message)")
            return failure.code
        } catch {
            printError("trainbell: \(error)")
            return 1
        }
    }
}

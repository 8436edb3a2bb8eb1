import BusTestSupport
import DBus
import Foundation
import TrainBellAPI

/// `make bench`: what trainbelld costs a trainer, measured on a private bus (figures, not assertions).
@main
struct Bench {
    static func main() {
        do {
            let args = CommandLine.arguments
            if args.count >= 3 && args[1] == "cli" {
                try CommandLineBench.run(trainbell: args[2], cClient: args.count >= 4 ? args[3] : nil)
            } else if args.count >= 3 && args[1] == "run" {
                try RunThroughputBench.run(trainbell: args[2])
            } else if args.count >= 2 && args[1] == "history" {
                try HistoryBench.run()
            } else if args.count >= 2 && args[1] == "stalls" {
                try StallBench.run()
            } else if args.count >= 2 && args[1] == "metrics" {
                try MetricsBench.run()
            } else if args.count >= 2 && args[1] == "remote" {
                try RemoteBench.run()
            } else if args.count >= 2 && args[1] == "sinks" {
                try SinkBench.run()
            } else if args.count >= 2 && args[1] == "records" {
                try RecordCountBench.run()
            } else {
                try run()
            }
        } catch {
            FileHandle.standardError.write(Data("bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func microseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000
    }

    static func run() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let connection = try bus.connect()
        let client = TrainBellClient(connection: connection)
        let n = Int(ProcessInfo.processInfo.environment["BENCH_CALLS"] ?? "") ?? 20_000
        try client.startJob("bench", total: UInt64(n) * 10)

        // Blocking: each call waits for the reply (what `trainbell progress --wait` and gdbus do).
        var start = DispatchTime.now()
        for step in 1...n {
            try client.reportProgress("bench", step: UInt64(step))
        }
        let blocking = microseconds(since: start) / Double(n)

        // No reply expected: the trainer never waits; one blocking call at the end drains the queue,
        // so the figure includes the daemon having handled every call.
        start = DispatchTime.now()
        for step in 1...n {
            try client.reportProgress("bench", step: UInt64(n + step), noReply: true)
        }
        let sent = microseconds(since: start) / Double(n)
        _ = try client.doNotDisturb()
        let handled = microseconds(since: start) / Double(n)
        let step = try connection.call(destination: TrainBellBus.name, path: TrainBellBus.jobRoot.appending("bench")!,
                                       interface: .properties, member: "Get",
                                       [.string(TrainBellBus.jobInterface.rawValue), .string("CurrentStep")])

        let rss = (try? String(contentsOfFile: "/proc/\(daemon.process!.pid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmRSS") }.map(String.init) ?? "VmRSS: ?"
        print("ReportProgress against trainbelld on a private bus, \(n) calls each:")
        print(String(format: "  blocking (wait for each reply):      %7.1f µs per call", blocking))
        print(String(format: "  no reply expected, caller side:      %7.1f µs per call", sent))
        print(String(format: "  no reply expected, all handled:      %7.1f µs per call", handled))
        print("  last CurrentStep seen by the daemon:  \(step.first?.unwrapped.integerValue ?? -1) (expected \(2 * n))")
        print("  daemon memory after the run:          \(rss.replacingOccurrences(of: "\t", with: " "))")
    }
}

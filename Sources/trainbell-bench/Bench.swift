import BusTestSupport
import DBus
import Foundation

/// `make bench`: what trainbelld costs a trainer, measured on a private bus (figures, not assertions).
@main
struct Bench {
    static func main() {
        do {
            let args = CommandLine.arguments
            if args.count >= 3 && args[1] == "cli" {
                try CommandLineBench.run(trainbell: args[2])
            } else if args.count >= 3 && args[1] == "run" {
                try RunThroughputBench.run(trainbell: args[2])
            } else if args.count >= 2 && args[1] == "history" {
                try HistoryBench.run()
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
        let client = try bus.connect()
        let name: BusName = "org.trainbell.TrainBell1"
        let path: ObjectPath = "/org/trainbell/TrainBell1"
        let interface: InterfaceName = "org.trainbell.TrainBell1"
        let n = Int(ProcessInfo.processInfo.environment["BENCH_CALLS"] ?? "") ?? 20_000
        _ = try client.call(destination: name, path: path, interface: interface, member: "StartJob",
                            [.string("bench"), .string(""), .uint64(UInt64(n) * 10), .vardict([])])

        // Blocking: each call waits for the reply (what `trainbell progress --wait` and gdbus do).
        var start = DispatchTime.now()
        for step in 1...n {
            _ = try client.call(destination: name, path: path, interface: interface, member: "ReportProgress",
                                [.string("bench"), .uint64(UInt64(step)), .uint64(0)])
        }
        let blocking = microseconds(since: start) / Double(n)

        // No reply expected: the trainer never waits; one blocking call at the end drains the queue,
        // so the figure includes the daemon having handled every call.
        start = DispatchTime.now()
        for step in 1...n {
            try client.callNoReply(destination: name, path: path, interface: interface, member: "ReportProgress",
                                   [.string("bench"), .uint64(UInt64(n + step)), .uint64(0)])
        }
        let sent = microseconds(since: start) / Double(n)
        _ = try client.call(destination: name, path: path, interface: interface, member: "GetDoNotDisturb")
        let handled = microseconds(since: start) / Double(n)
        let step = try client.call(destination: name, path: .init(rawValue: "/org/trainbell/TrainBell1/job/bench")!,
                                   interface: .properties, member: "Get",
                                   [.string("org.trainbell.TrainBell1.Job"), .string("CurrentStep")])

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

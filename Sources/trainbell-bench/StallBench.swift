import BusTestSupport
import DBus
import Foundation
import TrainBellAPI

/// `trainbell-bench stalls`: what watching for stalls costs (issue 11): 1,000 running jobs, then the
/// daemon's CPU time and context switches over `BENCH_STALL_SECONDS` (default 60) of silence, with
/// the default thresholds (10 min: no warning falls due) — one timer for the earliest deadline,
/// nothing that polls.
enum StallBench {
    /// utime + stime in clock ticks, and voluntary + involuntary context switches, of process `pid`.
    static func usage(_ pid: pid_t) -> (ticks: Int, switches: Int) {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let ticks = fields.count > 12 ? (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) : 0
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let switches = status.split(separator: "\n").filter { $0.contains("ctxt_switches") }
            .compactMap { $0.split(separator: "\t").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }.reduce(0, +)
        return (ticks, switches)
    }

    /// What process `pid` costs while left alone for `seconds`: context switches and CPU milliseconds.
    static func idleCost(_ pid: pid_t, seconds: UInt32) -> (switches: Int, milliseconds: Double) {
        let before = usage(pid)
        sleep(seconds)
        let after = usage(pid)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (after.switches - before.switches, Double(after.ticks - before.ticks) / hz * 1_000)
    }

    static func run() throws {
        let seconds = UInt32(ProcessInfo.processInfo.environment["BENCH_STALL_SECONDS"] ?? "") ?? 60
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let client = TrainBellClient(connection: try bus.connect())
        for index in 0..<1_000 {
            try client.startJob("stall-\(index)", title: "", total: 1_000_000)
            try client.reportProgress("stall-\(index)", step: 1, noReply: true)
        }
        _ = try client.doNotDisturb()  // every report before it handled
        usleep(1_000_000)
        guard let pid = daemon.process?.pid else { return }
        let before = usage(pid)
        sleep(seconds)
        let after = usage(pid)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        print("Stall watch, 1,000 running jobs silent for \(seconds) s (default thresholds):")
        print(String(format: "  daemon CPU time:        %.0f ms", Double(after.ticks - before.ticks) / hz * 1_000))
        print("  context switches:       \(after.switches - before.switches)")
    }
}

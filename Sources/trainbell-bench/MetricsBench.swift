import BusTestSupport
import DBus
import Foundation
import TrainBellAPI

/// `trainbell-bench metrics`: what `ReportMetrics` costs a trainer beside `ReportProgress` (the same
/// daemon, the same run), and what a job of a million steps with 8 metrics leaves: the history's
/// size and the time of `GetMetrics`, which the downsampling keeps bounded (figures, not assertions).
enum MetricsBench {
    static let names = ["loss", "eval_loss", "accuracy", "learning_rate", "grad_norm", "epoch", "tokens_per_second", "memory_gb"]

    static func values(at step: Int) -> [String: Double] {
        var values: [String: Double] = [:]
        for (index, name) in names.enumerated() { values[name] = 1 / Double(step + 1) + Double(index) + (step % 997 == 0 ? 10 : 0) }
        return values
    }

    static func run() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let connection = try bus.connect()
        let client = TrainBellClient(connection: connection)
        let n = Int(ProcessInfo.processInfo.environment["BENCH_CALLS"] ?? "") ?? 20_000
        let steps = Int(ProcessInfo.processInfo.environment["BENCH_METRIC_STEPS"] ?? "") ?? 1_000_000
        try client.startJob("bench", total: UInt64(n))

        // Both without a reply; one blocking call at the end drains the queue, so each figure
        // includes the daemon having handled every call.
        var start = DispatchTime.now()
        for step in 1...n { try client.reportProgress("bench", step: UInt64(step), noReply: true) }
        _ = try client.doNotDisturb()
        let progress = Bench.microseconds(since: start) / Double(n)
        start = DispatchTime.now()
        for step in 1...n { try client.reportMetrics("bench", step: UInt64(step), values(at: step), noReply: true) }
        _ = try client.doNotDisturb()
        let metrics = Bench.microseconds(since: start) / Double(n)

        // A long job: every step reports 8 metrics (drained every 10,000 calls, as a trainer's
        // bounded socket would be).
        try client.startJob("long", total: UInt64(steps))
        start = DispatchTime.now()
        for step in 0..<steps {
            try client.reportMetrics("long", step: UInt64(step), values(at: step), noReply: true)
            if step % 10_000 == 9_999 { _ = try client.doNotDisturb() }
        }
        _ = try client.doNotDisturb()
        let longPerCall = Bench.microseconds(since: start) / Double(steps)
        var rows: [MetricsRow] = []
        start = DispatchTime.now()
        let repeats = 10
        for _ in 0..<repeats { rows = try client.metrics(of: "long", timeout: 60) }
        let getMetrics = Bench.microseconds(since: start) / Double(repeats) / 1_000
        let points = rows.reduce(0) { $0 + $1.values.count }
        let rss = (try? String(contentsOfFile: "/proc/\(daemon.process?.pid ?? 0)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmRSS") }.map(String.init) ?? "VmRSS: ?"
        // SIGTERM saves the series; the file holds them afterwards.
        daemon.stop()
        let history = daemon.stateDirectory + "/history.sqlite3"
        let bytes = ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: history + suffix)[.size] as? Int) ?? 0)
        }

        print("ReportMetrics (8 metrics) against ReportProgress, the same trainbelld, \(n) calls each, no reply expected, all handled:")
        print(String(format: "  ReportProgress:                       %7.1f µs per call", progress))
        print(String(format: "  ReportMetrics, 8 metrics:             %7.1f µs per call", metrics))
        print("A job of \(steps) steps with 8 metrics each:")
        print(String(format: "  ReportMetrics, all handled:           %7.1f µs per call", longPerCall))
        print("  kept: \(rows.count) rows, \(points) points (\(points / names.count) a metric on average; bound 2,000)")
        print(String(format: "  GetMetrics:                           %7.1f ms per call", getMetrics))
        print("  history file (with its WAL) after:    \(bytes / 1024) KiB")
        print("  daemon memory before stopping:        \(rss.replacingOccurrences(of: "\t", with: " "))")
    }
}

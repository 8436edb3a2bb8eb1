import BusTestSupport
import DBus
import Foundation
import TrainBellAPI

/// `trainbell-bench records`: `GetNotifications("")` on a history of many small records (issue 17:
/// 383 ms on 20,000 records, +13.5 MB resident after five calls). `BENCH_RECORDS` (default 20,000)
/// errors of ~60 bytes over 100 jobs go through the daemon (with `max-records` raised to hold them
/// all); then five calls, their times, the reply's size, and the daemon's resident memory before,
/// after the calls and after 2 s of rest (what it keeps of the replies it built).
enum RecordCountBench {
    static func run() throws {
        let records = Int(ProcessInfo.processInfo.environment["BENCH_RECORDS"] ?? "") ?? 20_000
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, configuration: "[history]\nmax-records=\(records)\n",
                                       arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let connection = try bus.connect()
        let client = TrainBellClient(connection: connection)
        let start = DispatchTime.now()
        for index in 0..<records {
            try client.reportError("job-\(index % 100)", message: "error \(index): CUDA out of memory. Tried to allocate 2.00 GiB",
                                   type: "oom_error", timeout: 60)
        }
        let filled = Bench.microseconds(since: start) / 1e6
        let before = daemon.residentMemory
        var times: [Double] = []
        var count = 0
        for _ in 0..<5 {
            let begin = DispatchTime.now()
            count = try client.notifications(of: "", timeout: 120).count
            times.append(Bench.microseconds(since: begin) / 1e3)
        }
        let after = daemon.residentMemory
        usleep(2_000_000)
        let rested = daemon.residentMemory
        let sorted = times.sorted()
        print("History of \(records) small records (errors of ~60 bytes, 100 jobs):")
        print(String(format: "  written through the daemon in:        %7.1f s (%.0f µs a ReportError)", filled, filled * 1e6 / Double(records)))
        print(String(format: "  GetNotifications(\"\"), 5 calls:         median %.1f ms, longest %.1f ms; %d records a reply",
                     sorted[2], sorted[4], count))
        print("  daemon resident memory:               before \(before?.description ?? "?"), after the calls \(after?.description ?? "?"), after 2 s \(rested?.description ?? "?")")
    }
}

import BusTestSupport
import DBus
import Foundation
import TrainBellAPI

/// `trainbell-bench history`: what a big history costs. A history of `BENCH_HISTORY_RECORDS` errors
/// (default 2,400) of `BENCH_HISTORY_BYTES` each (default 87,381: 200 MiB in all) is written through
/// the daemon, which is then restarted; while one connection calls `GetNotifications("")` a few times,
/// another pings the daemon (`Peer.Ping`) without pause: the longest wait is how long the daemon's
/// loop was blocked. Then `BENCH_SIZE_RECORDS` (default 800) errors of 1 MiB go to a fresh daemon with
/// the default retention, and the size of its history file is printed.
enum HistoryBench {
    static let name = TrainBellBus.name
    static let path = TrainBellBus.path
    static let interface = TrainBellBus.interface

    static func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let records = Int(environment["BENCH_HISTORY_RECORDS"] ?? "") ?? 2_400
        let bytes = Int(environment["BENCH_HISTORY_BYTES"] ?? "") ?? 87_381
        let sizeRecords = Int(environment["BENCH_SIZE_RECORDS"] ?? "") ?? 800
        try latency(records: records, bytes: bytes)
        try sizeBound(records: sizeRecords, bytes: 1 << 20)
    }

    /// Distinct error messages of `bytes` bytes: a number, then filler.
    static func message(_ index: Int, bytes: Int) -> String {
        let head = "error \(index): "
        return head + String(repeating: "x", count: max(0, bytes - head.utf8.count))
    }

    static func fill(_ connection: Connection, records: Int, bytes: Int) throws {
        for index in 0..<records {
            try TrainBellClient(connection: connection).reportError("job-\(index % 50)", message: message(index, bytes: bytes),
                                                                     type: "data_error", timeout: 60)
        }
    }

    /// The history file and its write-ahead log, in bytes.
    static func fileSizes(_ daemon: DaemonProcess) -> (database: Int, log: Int) {
        func size(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }
        let file = daemon.stateDirectory + "/history.sqlite3"
        return (size(file), size(file + "-wal"))
    }

    static func latency(records: Int, bytes: Int) throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        var start = DispatchTime.now()
        try fill(try bus.connect(), records: records, bytes: bytes)
        let filled = Bench.microseconds(since: start) / 1e6
        daemon.stop()
        let (database, log) = fileSizes(daemon)
        start = DispatchTime.now()
        try daemon.start()
        let restarted = Bench.microseconds(since: start) / 1e3

        let caller = try bus.connect()
        let idle = try pinging(bus) {}
        var times: [Double] = []
        var count = 0
        var text = 0
        var first: UInt64 = 0
        var last: UInt64 = 0
        let during = try pinging(bus) {
            for _ in 0..<5 {
                let begin = DispatchTime.now()
                let entries = try TrainBellClient(connection: caller).notifications(of: "", timeout: 120)
                times.append(Bench.microseconds(since: begin) / 1e3)
                count = entries.count
                text = entries.reduce(0) { $0 + ($1["message"]?.stringValue?.utf8.count ?? 0) }
                first = entries.first?["id"].flatMap { UInt64(dbusValue: $0) } ?? 0
                last = entries.last?["id"].flatMap { UInt64(dbusValue: $0) } ?? 0
            }
        }
        // The control: as many bytes through dbus-daemon without trainbelld (signals from the bench
        // that nobody receives, which the bus still reads and checks): what of the wait is the bus's.
        let bulk = String(repeating: "x", count: text)
        let control = try pinging(bus) {
            for _ in 0..<5 {
                try? caller.emitSignal(path: "/org/trainbell/Bench", interface: "org.trainbell.Bench", member: "Bulk", [.string(bulk)])
                caller.flush()
                _ = try? caller.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                     interface: "org.freedesktop.DBus.Peer", member: "Ping", [], timeout: 60)
            }
        }
        let sorted = times.sorted()
        print("History of \(records) errors of \(bytes) bytes (\(String(format: "%.1f", Double(records * bytes) / 1_048_576)) MiB of text):")
        print(String(format: "  written through the daemon in:        %7.1f s", filled))
        print("  history file after a clean stop:      \(database) bytes (+ \(log) bytes of write-ahead log)")
        print(String(format: "  restart until the name is owned:      %7.1f ms", restarted))
        print(String(format: "  GetNotifications(\"\"), 5 calls:         median %.1f ms, longest %.1f ms", sorted[2], sorted[4]))
        print("  reply:                                \(count) records (ids \(first)…\(last)), \(text) bytes of messages")
        print(String(format: "  Peer.Ping to trainbelld, idle:        longest wait %.1f ms, median %.2f ms", idle.longest, idle.median))
        print(String(format: "  Peer.Ping meanwhile (%d pings):       longest wait %.1f ms, median %.2f ms",
                     during.count, during.longest, during.median))
        print(String(format: "  control, the same bytes through the bus without trainbelld: longest Ping wait %.1f ms", control.longest))
    }

    /// Pings trainbelld from a connection and thread of their own, without pause, while `body` runs
    /// (and for 200 ms when it does nothing); returns the round trips.
    static func pinging(_ bus: PrivateBus, _ body: () throws -> Void) throws -> PingWaits {
        let stop = ManagedAtomicFlag()
        let pinger = try bus.connect()
        let waits = PingWaits()
        let thread = Thread {
            while !stop.isSet {
                let begin = DispatchTime.now()
                _ = try? pinger.call(destination: name, path: path, interface: "org.freedesktop.DBus.Peer", member: "Ping",
                                     [], timeout: 60)
                waits.add(Bench.microseconds(since: begin) / 1e3)
            }
            waits.finish()
        }
        thread.start()
        defer {
            stop.set()
            waits.waitUntilFinished()
        }
        usleep(200_000)
        try body()
        return waits
    }

    static func sizeBound(records: Int, bytes: Int) throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let start = DispatchTime.now()
        try fill(try bus.connect(), records: records, bytes: bytes)
        let filled = Bench.microseconds(since: start) / 1e6
        let (running, runningLog) = fileSizes(daemon)
        let rss = (try? String(contentsOfFile: "/proc/\(daemon.process?.pid ?? 0)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmRSS") }.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) } ?? "?"
        daemon.stop()
        let (database, log) = fileSizes(daemon)
        print("\(records) errors of \(bytes) bytes, default retention:")
        print(String(format: "  written through the daemon in:        %7.1f s", filled))
        print("  history file while running:           \(running) bytes (+ \(runningLog) bytes of write-ahead log)")
        print("  history file after a clean stop:      \(database) bytes (+ \(log) bytes of write-ahead log)")
        print("  daemon memory after the run:          \(rss)")
    }
}

/// A flag one thread sets and another reads.
final class ManagedAtomicFlag: @unchecked Sendable {
    // Guarded by `lock`: read and written from the two bench threads.
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// The ping round trips, in milliseconds, collected by the pinger thread.
final class PingWaits: @unchecked Sendable {
    // Guarded by `condition`: the pinger thread adds, the main thread reads after `finish`.
    private let condition = NSCondition()
    private var waits: [Double] = []
    private var finished = false

    func add(_ wait: Double) { condition.withLock { waits.append(wait) } }
    func finish() { condition.withLock { finished = true; condition.broadcast() } }
    func waitUntilFinished() { condition.withLock { while !finished { condition.wait() } } }
    var count: Int { condition.withLock { waits.count } }
    var longest: Double { condition.withLock { waits.max() ?? 0 } }
    var median: Double { condition.withLock { waits.isEmpty ? 0 : waits.sorted()[waits.count / 2] } }
}

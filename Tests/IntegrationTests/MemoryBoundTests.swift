import BusTestSupport
import DBus
import Foundation
import Testing

/// The daemon's memory does not depend on the size of what it is sent: full texts live in the
/// history (on disk), the daemon keeps bounded prefixes.
@Suite(.serialized) struct MemoryBoundTests {
    /// Resident memory of `pid` in KiB (`VmRSS`).
    static func residentKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    }

    /// 600 errors of 1 MB reached 1.07 GB resident, and 2,000 of 19 KB over 100 jobs +57 MB: the
    /// collapse keys, LastError and the bubbles of shown errors each held whole messages.
    @Test func memoryDoesNotGrowWithTheSizeOfErrorMessages() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let pid = try #require(daemon.process?.pid)
        // Warm up (first allocations of the loop, the history's page cache).
        for n in 0..<5 { try client.call("ReportError", [.string("warm"), .string("warm-up \(n)"), .string(""), .string("")]) }
        let before = Self.residentKiB(pid)

        let line = String(repeating: "x", count: 1_000) + "\n"
        let megabyte = String(repeating: line, count: 1_000)
        for n in 0..<50 {
            try client.call("ReportError", [.string("job-\(n % 100)"), .string("RuntimeError \(n)\n" + megabyte),
                                            .string("cuda_error"), .string("")])
        }
        let small = String(repeating: "y", count: 19_000)
        for n in 0..<400 {
            try client.call("ReportError", [.string("job-\(n % 100)"), .string("error \(n) " + small), .string(""), .string("")])
        }
        let after = Self.residentKiB(pid)
        let grown = (after - before) / 1_024
        #expect(grown < 48, "resident memory grew by \(grown) MB (\(before / 1_024) → \(after / 1_024) MB) for 50 MB + 7.6 MB of error text")
        // The full text is still there for View Details: the newest error, whole, in the history.
        let newest = try client.history("job-99").last
        #expect(newest?["message"]?.stringValue?.utf8.count == ("error 399 " + small).utf8.count)
        print("memory: \(before / 1_024) MB before, \(after / 1_024) MB after 50 errors of 1 MB and 400 of 19 KB")
    }
}

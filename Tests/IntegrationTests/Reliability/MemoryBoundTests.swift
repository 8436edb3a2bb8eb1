import BusTestSupport
import DBus
import Foundation
import Testing

/// What the hostile run showed about memory, on its own: the daemon's memory must not depend on the
/// size of what callers send.
@Suite(.serialized) struct MemoryBoundTests {
    static let invalidArgument: ErrorName = "org.trainbell.TrainBell1.Error.InvalidArgument"

    /// `StartJob` keeps its `icon` and `app-id` options whole, in memory for as long as the job is
    /// kept (up to 10,000 jobs), and `AppId` hands a 256 KiB app id back. A desktop entry id is a file
    /// name (at most 255 bytes, as `SetProgress` already requires); an icon is a name or a path.
    @Test func anIconOrAppIDOfAnySizeIsNotKeptWhole() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        _ = try client.startJob("warm-up", total: 10, options: [("icon", .string("dialog-information")), ("app-id", .string("org.example.Trainer"))])
        let baseline = try #require(daemon.residentMemory)
        let large = String(repeating: "i", count: 256 << 10)
        var longestAppID = 0
        for index in 0..<100 {
            let id = "large-\(index)"
            let options: [(String, DBusValue)] = [("icon", .string(large + "\(index)")), ("app-id", .string(large + "\(index)"))]
            if let error = client.error("StartJob", [.string(id), .string("t"), .uint64(10), .vardict(options)]) {
                #expect(error.name == Self.invalidArgument, "\(error)")
                #expect(error.message.contains("option 'icon'") || error.message.contains("option 'app-id'"), "\(error)")
                continue
            }
            let appID = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("AppId")], interface: .properties,
                                        path: ObjectPath(rawValue: "/org/trainbell/TrainBell1/job/large_2d\(index)") ?? "/")
            longestAppID = max(longestAppID, appID.first?.stringValue?.utf8.count ?? 0)
        }
        #expect(longestAppID <= 255, "a job has an AppId of \(longestAppID) bytes")
        let after = try #require(daemon.residentMemory)
        // 100 × 512 KiB came in; a bounded daemon keeps a small part of it.
        #expect(after.kibibytes - baseline.kibibytes < 16 << 10, "\(baseline) before, \(after) after 100 jobs with 256 KiB icons and app ids")
        #expect(try client.call("Ping", interface: .peer) == [])
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
                // Warm up (first allocations of the loop, the history's page cache).
        for n in 0..<5 { _ = try client.api.reportError("warm", message: "warm-up \(n)") }
        let before = try #require(daemon.residentMemory).kibibytes

        let line = String(repeating: "x", count: 1_000) + "\n"
        let megabyte = String(repeating: line, count: 1_000)
        for n in 0..<50 {
            try client.api.reportError("job-\(n % 100)", message: "RuntimeError \(n)\n" + megabyte, type: "cuda_error")
        }
        let small = String(repeating: "y", count: 19_000)
        for n in 0..<400 {
            try client.api.reportError("job-\(n % 100)", message: "error \(n) " + small)
        }
        let after = try #require(daemon.residentMemory).kibibytes
        let grown = (after - before) / 1_024
        #expect(grown < 48, "resident memory grew by \(grown) MB (\(before / 1_024) → \(after / 1_024) MB) for 50 MB + 7.6 MB of error text")
        // The full text is still there for View Details: the newest error, whole, in the history.
        let newest = try client.history("job-99").last
        #expect(newest?["message"]?.stringValue?.utf8.count == ("error 399 " + small).utf8.count)
        print("memory: \(before / 1_024) MB before, \(after / 1_024) MB after 50 errors of 1 MB and 400 of 19 KB")
    }
}

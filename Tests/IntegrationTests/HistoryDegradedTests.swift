import BusTestSupport
import DBus
import Foundation
import Testing

/// A history that cannot be used never stops notifications (issue 18, defect 3): with a corrupt
/// `history.sqlite3` or a state directory it could not write, trainbelld exited 1, and under systemd
/// restarted in a loop while the user got nothing, not even out-of-memory errors.
@Suite(.serialized) struct HistoryDegradedTests {
    static var trainbell: String {
        get throws { ((try DaemonProcess.executable) as NSString).deletingLastPathComponent + "/trainbell" }
    }

    static func historyState(_ client: DaemonClient) throws -> String {
        try client.call("Get", [.string("org.trainbell.TrainBell1"), .string("HistoryState")], interface: .properties)
            .first?.unwrapped.stringValue ?? ""
    }

    @Test func aCorruptHistoryIsMovedAsideAndErrorsAreStillDelivered() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let healthy = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.historyState(healthy) == "ok")
        #expect(daemon.stop() == 0)

        // Random bytes where the history was, as a bad disk or a stray `dd` leaves it.
        let file = daemon.stateDirectory + "/history.sqlite3"
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try? FileManager.default.removeItem(atPath: file + "-wal")
        try? FileManager.default.removeItem(atPath: file + "-shm")
        try garbage.write(to: URL(fileURLWithPath: file))

        try daemon.start()
        let client = try DaemonClient(bus: bus)
        try client.api.reportError("run", message: "CUDA out of memory", type: "oom_error")
        let call = try #require(server.waitForNotifies(count: 1).first)
        #expect(call.body == "CUDA out of memory")
        #expect(call.hints["urgency"] == .byte(2))

        let aside = try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory)
            .filter { $0.hasPrefix("history.sqlite3.corrupt-") }
        #expect(aside.count == 1)
        let moved = daemon.stateDirectory + "/" + (aside.first ?? "")
        #expect(aside.first?.wholeMatch(of: /history\.sqlite3\.corrupt-\d{8}T\d{6}Z/) != nil, "\(aside)")
        #expect(FileManager.default.contents(atPath: moved) == garbage, "the corrupt file is kept, as it was")
        #expect(try Self.historyState(client) == "recovered: moved the corrupt file to \(moved); a new history was started")
        #expect(daemon.log.contains("history: recovered: moved the corrupt file to \(moved)"))
        // The new history works, and survives a restart.
        #expect(try client.history("run").map { $0["message"]?.stringValue } == ["CUDA out of memory"])
        #expect(daemon.stop() == 0)
        try daemon.start()
        let again = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.historyState(again) == "ok")
        #expect(try again.history("run").count == 1)
    }

    /// Root ignores permission bits: a state directory below a regular file cannot be made by anyone.
    @Test func anUnwritableStateDirectoryKeepsTheHistoryInMemoryAndDeliversEverything() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let scratch = try TemporaryDirectory("trainbell-unwritable")
        let blocker = ((scratch.path + "/not-a-directory") as NSString).standardizingPath
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let daemon = try DaemonProcess(bus: bus, environment: ["XDG_STATE_HOME": blocker + "/state"])
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)

        _ = try client.startJob("run", total: 100)
        try client.progress("run", 50)
        try client.api.reportError("run", message: "loss is NaN", type: "loss_divergence")
        let calls = server.waitForNotifies(count: 2)
        #expect(calls.map(\.summary) == ["Training Halfway There!", "Training Error"])

        let state = try Self.historyState(client)
        let reason = "cannot create the directory \(blocker)/state for the history database "
            + "\(blocker)/state/trainbell/history.sqlite3: Not a directory"
        #expect(state == "in-memory: \(reason); the history is lost when trainbelld stops")
        #expect(daemon.log.contains("history: in-memory: \(reason)"))
        // The history in memory still answers.
        #expect(try client.history("run").map { $0["type"]?.stringValue } == ["progress", "error"])

        let status = try runCommand(try Self.trainbell, ["status"], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("  history:             in-memory: \(reason)"), "\(status.stdout)")
        #expect(daemon.stop() == 0)
    }

    @Test func aHealthyHistoryIsNotMentionedByStatus() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let status = try runCommand(try Self.trainbell, ["status"], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(status.status == 0)
        #expect(!status.stdout.contains("history:"))
    }
}

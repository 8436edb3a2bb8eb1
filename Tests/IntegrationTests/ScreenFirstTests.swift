import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// Issue 17, "Errors on screen first": an error's `Notify` leaves as soon as it is decided; the
/// history write follows, and the caller's reply (the record id) only once the record is durable.
///
/// Shown with the history's file locked by another process (a writer holding SQLite's lock, as a
/// backup tool or `sqlite3` on the file would): the error reaches the notification server while the
/// lock is held, before anything could be written; once the lock is let go the record is written
/// under the id the reply names. Before, the daemon waited for the lock (up to its busy timeout of
/// a second) before the bubble went out, and then answered 0 (not recorded).
@Suite(.serialized) struct ScreenFirstTests {
    @Test func anErrorReachesTheScreenWhileTheHistoryCannotBeWrittenAndIsRecordedOnceItCan() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        // The job and one record exist before the lock: what the error needs is then only its own write.
        _ = try client.startJob("locked-run", title: "Locked run", total: 100)
        #expect(try client.api.reportWarning("locked-run", message: "before the lock") > 0)
        _ = server.waitForNotifies(count: 1)

        let scratch = try TemporaryDirectory("trainbell-screen-first")
        let locked = scratch.path + "/locked", release = scratch.path + "/release"
        let holder = try ChildProcess("/usr/bin/python3", ["-c", Self.lockHolder, daemon.stateDirectory + "/history.sqlite3", locked, release],
                                      stderr: scratch.path + "/holder.err")
        defer { _ = holder.wait(seconds: 5) }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: locked), Date() < deadline { usleep(2_000) }
        #expect(FileManager.default.fileExists(atPath: locked), "the lock holder did not take the lock")

        // A real peer calls ReportError and waits for its reply.
        let replyFile = scratch.path + "/reply"
        let caller = try ChildProcess("/usr/bin/gdbus", [
            "call", "--session", "--dest", DaemonProcess.busName.rawValue, "--object-path", DaemonProcess.path.rawValue,
            "--method", DaemonProcess.interface.rawValue + ".ReportError", "locked-run", "CUDA out of memory", "oom_error", "",
        ], environment: ChildProcess.environment(["DBUS_SESSION_BUS_ADDRESS": bus.address]), stdout: replyFile)

        let shown = server.wait(timeout: 10) { events in
            events.compactMap(\.notifyCall).contains { $0.body.contains("CUDA out of memory") }
        }
        // Seen while the lock is still held: nothing of the error was written yet.
        #expect(shown, "the error did not reach the notification server while the history was locked")
        #expect(!FileManager.default.fileExists(atPath: release))
        _ = FileManager.default.createFile(atPath: release, contents: nil)

        #expect(caller.wait(seconds: 10) == 0, "gdbus: \((try? String(contentsOfFile: replyFile, encoding: .utf8)) ?? "")")
        let reply = (try? String(contentsOfFile: replyFile, encoding: .utf8)) ?? ""
        // gdbus prints `(uint64 2,)`.
        let id = reply.split(separator: " ").last.flatMap { UInt64($0.filter(\.isNumber)) } ?? 0
        #expect(id > 0, "the reply \(reply) names no record: the error was not written once the lock was let go")
        let history = try client.history("locked-run")
        #expect(history.contains { $0["id"]?.integerValue == Int64(id) && $0["message"] == .string("CUDA out of memory") },
                "record \(id) is not in the history: \(history)")
    }

    /// Takes SQLite's write lock on the file `argv[1]`, says so by creating `argv[2]`, and lets it go
    /// when `argv[3]` appears (or after 20 s).
    static let lockHolder = """
        import os, sqlite3, sys, time
        db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
        db.execute("BEGIN EXCLUSIVE")
        open(sys.argv[2], "w").close()
        deadline = time.monotonic() + 20
        while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
            time.sleep(0.002)
        db.execute("COMMIT")
        """
}

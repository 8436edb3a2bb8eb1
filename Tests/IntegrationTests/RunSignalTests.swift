import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// Signals to `trainbell run`: Ctrl-C in a terminal reaches the command once (as before); a SIGINT
/// sent to the wrapper alone reaches it too, where it used to be ignored.
@Suite(.serialized) struct RunSignalTests {
    /// A command that counts the SIGINTs it gets and ends with status 7 on the first.
    static let trapping = #"trap 'echo "got INT"; sleep 0.3; exit 7' INT; echo ready; while :; do sleep 0.05; done"#

    /// `kill -INT <pid of trainbell run>` was ignored: the child ran on (a scheduler could not stop
    /// the training). It is forwarded now; the job ends cancelled and the status is the child's.
    @Test func aSIGINTSentToTheWrapperAloneReachesTheCommand() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let scratch = try TemporaryDirectory()
        let output = scratch.path + "/out"
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        let wrapper = try ChildProcess(try CommandLineTests.trainbell, ["run", "--job", "sigint", "--", "/bin/sh", "-c", Self.trapping],
                                       environment: environment, stdout: output, stderr: scratch.path + "/err")
        let deadline = Date().addingTimeInterval(10)
        while !((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready") && Date() < deadline { usleep(20_000) }
        wrapper.signal(SIGINT)
        let status = wrapper.wait(seconds: 10)
        #expect(status == 7, "trainbell run did not end with the command's status; it printed: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(text.components(separatedBy: "got INT").count - 1 == 1, "the command got SIGINT not exactly once: \(text)")
        if status == nil { wrapper.signal(SIGKILL) }
        // An interruption, not a failure: no error notification for the status the command chose.
        #expect(!server.notifies.contains { $0.summary == "Training Error" }, "\(server.notifies.map(\.summary))")
    }

    /// Ctrl-C typed at a real terminal (a pseudo-terminal whose foreground group is trainbell and the
    /// command): the command gets one SIGINT, not two, and the wrapper ends with its status.
    @Test func ctrlCAtATerminalReachesTheCommandOnce() throws {
        let python = try requireTool("python3", package: "python3")
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        // pty.fork: the child leads a new session whose controlling terminal is the pseudo-terminal.
        let driver = #"""
            import os, pty, sys, time
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            deadline = time.time() + 10
            while b"ready" not in out and time.time() < deadline:
                out += os.read(fd, 4096)
            os.write(fd, b"\x03")
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace"))
            sys.stdout.write("\nSTATUS %d\n" % os.waitstatus_to_exitcode(status))
            """#
        let result = try runCommand(python, ["-c", driver, try CommandLineTests.trainbell, "run", "--job", "ctrl-c", "--",
                                             "/bin/sh", "-c", Self.trapping],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.stdout.contains("STATUS 7"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "got INT").count - 1 == 1, "\(result.stdout)")
        // An interruption, not a failure: no error notification for the status the command chose.
        #expect(!server.notifies.contains { $0.summary == "Training Error" }, "\(server.notifies.map(\.summary))")
    }
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// `trainbell run -- CMD` end to end: a real Python training script with a real tqdm bar.
@Suite(.serialized) struct RunTests {
    static let script = #"""
        import sys, time
        from tqdm import tqdm
        print("loading model", flush=True)
        for i in tqdm(range(200), file=sys.stderr, mininterval=0):
            time.sleep(0.001)
            if i == 120:
                break
        print("Traceback (most recent call last):", file=sys.stderr)
        print('  File "train.py", line 42, in <module>', file=sys.stderr)
        print("    loss = model(batch)", file=sys.stderr)
        print("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)", file=sys.stderr)
        sys.exit(3)
        """#

    static func python() throws -> String {
        let python = try requireTool("python3", package: "python3")
        let probe = try runCommand(python, ["-c", "import tqdm"])
        guard probe.status == 0 else { throw MissingTool(tool: "tqdm for \(python)", package: "python3-venv (then: python3 -m venv .build/venv-tools && .build/venv-tools/bin/pip install tqdm, with .build/venv-tools/bin first in PATH; 'make test' does it)") }
        return python
    }

    @Test func aTqdmRunThatRunsOutOfMemoryIsReportedAndItsStatusKept() throws {
        let python = try Self.python()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let scratch = try TemporaryDirectory()
        try Self.script.write(toFile: scratch.path + "/train.py", atomically: true, encoding: .utf8)

        let result = try runCommand(try CommandLineTests.trainbell, ["run", "--job", "oom-run", "--", python, scratch.path + "/train.py"],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 3)
        // Output passes through unchanged.
        #expect(result.stdout == "loading model\n")
        #expect(result.stderr.contains("/200 ["))
        #expect(result.stderr.contains("torch.OutOfMemoryError: CUDA out of memory."))

        let client = try DaemonClient(bus: bus, recordSignals: false)
        let history = try client.history("oom-run")
        // Progress is reported a few times a second: the milestones crossed, the highest last, each once.
        let types = history.map { $0["type"]?.stringValue ?? "" }
        #expect(types.last == "error" && types.dropLast().allSatisfy { $0 == "progress" } && types.count >= 2)
        let milestones = history.compactMap { $0["milestone"]?.integerValue }
        #expect(milestones.last == 50 && milestones == milestones.sorted() && Set(milestones).count == milestones.count)
        let error = try #require(history.last)
        #expect(error["error_type"] == .string("oom_error"))
        #expect(error["urgency"] == .string("critical"))
        let message = error["message"]?.stringValue ?? ""
        #expect(message.hasPrefix("torch.OutOfMemoryError: CUDA out of memory."))
        #expect(message.contains("Traceback (most recent call last):") && message.contains("loss = model(batch)"))
        let state = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("State")], interface: .properties,
                                    path: "/org/trainbell/TrainBell1/job/oom_2drun")
        #expect(state == [.variant(.string("failed"))])
        #expect(server.waitForNotifies(count: history.count).last?.summary == "Training Error")
    }

    @Test func aSuccessfulRunCompletesTheJob() throws {
        let python = try Self.python()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let result = try runCommand(try CommandLineTests.trainbell, ["run", "--job", "ok", "--title", "Tiny", "--",
            python, "-c", "import sys\nfrom tqdm import tqdm\nfor _ in tqdm(range(50), file=sys.stderr, mininterval=0): pass"],
            environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 0, "\(result.stderr)")
        let calls = server.waitForNotifies(count: 1)
        #expect(calls.last?.summary == "Training Complete! 🎉")
        #expect(calls.last?.body.hasPrefix("Tiny finished after 50 steps.") == true)
    }

    @Test(arguments: [
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", Int32(137), "oom_error", "killed, probably by the out-of-memory killer"),
        ("import sys; print('bad config', file=sys.stderr); sys.exit(2)", Int32(2), "training_error", "bad config"),
    ])
    func exitsAreClassifiedAndTheStatusKept(_ code: String, _ status: Int32, _ type: String, _ text: String) throws {
        let python = try requireTool("python3", package: "python3")
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let result = try runCommand(try CommandLineTests.trainbell, ["run", "--job", "x", "--", python, "-c", code],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == status)
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let error = try #require(try client.history("x").last)
        #expect(error["error_type"] == .string(type))
        #expect(error["message"]?.stringValue?.contains(text) == true, "\(error)")
    }

    @Test func withoutTheDaemonTheCommandStillRunsAndKeepsItsStatus() throws {
        let bus = try PrivateBus()
        let result = try runCommand(try CommandLineTests.trainbell, ["run", "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 7"],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 7)
        #expect(result.stdout == "out\n")
        #expect(result.stderr.hasPrefix("err\n") || result.stderr.contains("err\n"))
        #expect(result.stderr.components(separatedBy: "notifications are off").count == 2, "said once: \(result.stderr)")
    }

    @Test func aCommandThatDoesNotExistExits127() throws {
        let bus = try PrivateBus()
        let result = try runCommand(try CommandLineTests.trainbell, ["run", "--", "/nonexistent/train"],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 127)
        #expect(result.stderr.contains("cannot run '/nonexistent/train': command not found"))
        let missing = try runCommand(try CommandLineTests.trainbell, ["run"], environment: [:])
        #expect(missing.status == 64)
    }
}

import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// `trainbell run` passes the command's output whatever trainbelld does, loses none of it while the
/// command's helpers still write, and starts the job at once.
@Suite(.serialized) struct RunOutputFlowTests {
    static let jobInterface = "org.trainbell.TrainBell1.Job"

    static func jobProperty(_ client: DaemonClient, _ job: String, _ name: String) throws -> DBusValue? {
        try client.call("Get", [.string(jobInterface), .string(name)], interface: .properties,
                        path: ObjectPath(rawValue: "/org/trainbell/TrainBell1/job/\(job)")!).first?.unwrapped
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Reports used to be blocking calls of up to 5 s made inside the output pump: a trainbelld that
    /// hung froze what the user saw of the training. A command prints a bar line every 10 ms for about
    /// 12 s while trainbelld is stopped (SIGSTOP) for 10 s of it, with two warnings meanwhile (each was
    /// a blocking ReportWarning): the lines keep coming, and the reports arrive once it runs again.
    @Test func theOutputKeepsFlowingWhileTrainbelldIsStopped() throws {
        let python = try requireTool("python3", package: "python3")
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.signal(SIGCONT); daemon.stop() }
        let steps = 1_200
        let script = """
            import sys, time
            for i in range(1, \(steps) + 1):
                print(f" {i * 100 // \(steps)}%|    | {i}/\(steps) [00:01<00:10, 100.00it/s]", flush=True)
                if i in (400, 700):
                    print(f"train.py:12: UserWarning: step {i} while trainbelld is stopped", flush=True)
                time.sleep(0.01)
            """
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let run = try ChildProcess(try CommandLineTests.trainbell, ["run", "--job", "stopped", "--title", "Stopped daemon", "--",
                                                                   python, "-c", script],
                                   environment: ChildProcess.environment(["DBUS_SESSION_BUS_ADDRESS": bus.address]),
                                   stderr: daemon.home.path + "/run.err", stdoutDescriptor: ends[1])
        close(ends[1])
        defer { close(ends[0]) }

        // Read what `run` prints as its reader would, timing the gaps between lines.
        var lines = 0
        var last: Double?
        var largestGap = 0.0, largestGapWhileStopped = 0.0
        var stoppedAt: Double?, resumedAt: Double?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var reader = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
            let now = Self.monotonicSeconds()
            if let stoppedAt, resumedAt == nil, now >= stoppedAt + 10 {
                daemon.signal(SIGCONT)
                resumedAt = now
            }
            let wait = stoppedAt != nil && resumedAt == nil ? max(0, stoppedAt! + 10 - now) : 30
            let ready = poll(&reader, 1, Int32(wait * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            try #require(ready >= 0)
            if ready == 0 { continue }
            let count = read(ends[0], &buffer, buffer.count)
            if count <= 0 { break }
            let at = Self.monotonicSeconds()
            let newLines = buffer[0..<count].count { $0 == 0x0A }
            guard newLines > 0 else { continue }
            let gap = last.map { at - $0 } ?? 0
            largestGap = max(largestGap, gap)
            if stoppedAt != nil && resumedAt == nil { largestGapWhileStopped = max(largestGapWhileStopped, gap) }
            last = at
            lines += newLines
            // A second in, the daemon has taken StartJob and progress: stop it.
            if stoppedAt == nil, lines >= 100 {
                daemon.signal(SIGSTOP)
                stoppedAt = at
            }
        }
        let status = run.wait()
        print("trainbell run with trainbelld stopped for 10 s: \(lines) lines, largest gap between lines "
              + String(format: "%.0f ms while stopped, %.0f ms in all", largestGapWhileStopped * 1000, largestGap * 1000))
        #expect(status == 0, "\((try? String(contentsOfFile: daemon.home.path + "/run.err", encoding: .utf8)) ?? "")")
        #expect(lines == steps + 2)
        #expect(resumedAt != nil, "the command ended before trainbelld was resumed")
        #expect(largestGapWhileStopped < 1, "the output stalled while trainbelld was stopped")

        // What was queued while it was stopped reached it: the last step, the completion.
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.jobProperty(client, "stopped", "CurrentStep") == .uint64(UInt64(steps)))
        #expect(try Self.jobProperty(client, "stopped", "State") == .string("completed"))
        #expect(try Self.jobProperty(client, "stopped", "Title") == .string("Stopped daemon"))
        let types = try client.history("stopped").map { $0["type"]?.stringValue ?? "" }
        #expect(types.last == "completion", "\(types)")
        #expect(types.filter { $0 == "warning" }.count == 2, "\(types)")
    }

    /// `ChildRunner.pump` stopped reading 200 ms after the command's exit: a line a background process
    /// wrote later was lost.
    @Test func aLineWrittenByABackgroundProcessAfterTheCommandExitsStillPasses() throws {
        let bus = try PrivateBus()
        let result = try runCommand(try CommandLineTests.trainbell, ["run", "--", "/bin/sh", "-c", "(sleep 0.5; echo late-line) & echo early"],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 0)
        #expect(result.stdout == "early\nlate-line\n")
    }

    /// A process still holding the output when the grace is over is not waited for: `run` ends with
    /// the command's status, and a write after that fails (EPIPE; SIGPIPE unless ignored), as the
    /// README says.
    @Test func aProcessThatOutlivesTheGraceIsNotWaitedForAndItsLaterWriteFails() throws {
        let bus = try PrivateBus()
        let scratch = try TemporaryDirectory()
        let go = scratch.path + "/go", result = scratch.path + "/result"
        let background = #"(trap '' PIPE; until [ -e "$1" ]; do sleep 0.05; done; if echo too-late; then echo written > "$2"; else echo refused > "$2"; fi) & echo early; exit 3"#
        let run = try runCommand(try CommandLineTests.trainbell, ["run", "--grace", "0.2", "--", "/bin/sh", "-c", background, "sh", go, result],
                                 environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(run.status == 3)
        #expect(run.stdout == "early\n")
        // Only now may the background process write.
        try "".write(toFile: go, atomically: true, encoding: .utf8)
        // The shell creates the file, then writes its one line: wait for the line.
        func written() -> String? { (try? String(contentsOfFile: result, encoding: .utf8)).flatMap { $0.hasSuffix("\n") ? $0 : nil } }
        let deadline = Date().addingTimeInterval(10)
        while written() == nil && Date() < deadline { usleep(10_000) }
        #expect(written() == "refused\n")
    }

    /// With a bar of unknown length, StartJob used to wait for the command's end, so --title and
    /// --app-id showed nowhere until then. The job is there, with both, while the command runs.
    @Test func aBarOfUnknownLengthStartsTheJobAtOnceWithItsTitleAndAppID() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        let scratch = try TemporaryDirectory()
        let go = scratch.path + "/go"
        let command = #"printf 'Batches: 420it [00:10, 41.2it/s]\n'; until [ -e "$1" ]; do sleep 0.05; done"#
        let run = try ChildProcess(try CommandLineTests.trainbell, ["run", "--job", "unknown", "--title", "Unknown length", "--app-id",
                                                                   "org.example.Trainer.desktop", "--", "/bin/sh", "-c", command, "sh", go],
                                   environment: ChildProcess.environment(["DBUS_SESSION_BUS_ADDRESS": bus.address]))
        defer { run.terminate() }
        #expect(!client.signals("InterfacesAdded").isEmpty)
        #expect(client.loop.wait { (try? Self.jobProperty(client, "unknown", "CurrentStep")) == .uint64(420) })
        #expect(run.isRunning)
        #expect(try Self.jobProperty(client, "unknown", "Title") == .string("Unknown length"))
        #expect(try Self.jobProperty(client, "unknown", "AppId") == .string("org.example.Trainer"))
        #expect(try Self.jobProperty(client, "unknown", "TotalSteps") == .uint64(0))
        try "".write(toFile: go, atomically: true, encoding: .utf8)
        #expect(run.wait(seconds: 20) == 0)
        #expect(try Self.jobProperty(client, "unknown", "State") == .string("completed"))
    }

    /// A 10 MB line without a break (bytes of every kind but a line break) passes byte for byte and
    /// is not read: the error, bar and traceback texts in it report nothing.
    @Test func aTenMegabyteLinePassesByteForByteAndIsNotRead() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let scratch = try TemporaryDirectory()
        let piece = Array("torch.OutOfMemoryError: CUDA out of memory. \u{1B}[31m 50%|█████     | 1/2 [00:01<00:01,  1.00it/s] Traceback (most recent call last): ".utf8)
            + [0x00, 0xFF, 0xC3, 0x07, 0x7F]
        var bytes: [UInt8] = []
        while bytes.count < 10_000_000 { bytes += piece }
        let input = Data(bytes.prefix(10_000_000))
        try input.write(to: URL(fileURLWithPath: scratch.path + "/line"))
        let run = try ChildProcess(try CommandLineTests.trainbell, ["run", "--job", "long", "--", "/bin/cat", scratch.path + "/line"],
                                   environment: ChildProcess.environment(["DBUS_SESSION_BUS_ADDRESS": bus.address]),
                                   stdout: scratch.path + "/out", stderr: scratch.path + "/err")
        #expect(run.wait() == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/out")) == input)
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try client.history("long").map { $0["type"]?.stringValue ?? "" } == ["completion"])
    }
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// What the fuzzer found in the output parser of `trainbell run` (Tests/Fuzz/RunOutputFuzz.swift),
/// end to end: the wrapper must never die of what the training prints, since the training writes into
/// its pipes and would die with it.
@Suite(.serialized) struct RunOutputCrashTests {
    /// A line that is a count, a slash, a total and a space, and nothing after (`7/8 `), traps in
    /// `ProgressBarLine.keras` (it reads the byte after the space), so `trainbell run` dies of SIGILL,
    /// and the training with it (SIGPIPE on its next write).
    @Test(arguments: ["7/8 \n", "  12/100 \r", "Epoch 1/3\n1/8 \n"])
    func aLineOfACountAndATotalAndASpaceDoesNotKillTrainbellRun(_ output: String) throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let scratch = try TemporaryDirectory()
        try output.write(toFile: scratch.path + "/output", atomically: true, encoding: .utf8)
        let result = try runCommand(try CommandLineTests.trainbell,
                                    ["run", "--job", "count", "--", "/bin/sh", "-c", "cat \(scratch.path)/output; sleep 0.2; echo after; exit 4"],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 4, "trainbell run: \(result.stderr.suffix(1_000))")
        #expect(result.stdout == output + "after\n")
    }
}

import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing
import TrainBellAPI

/// `trainbelld` as a command: its flags, exit codes and messages, one instance per bus, its log under
/// the journal, and how it ends (signal, replacement, lost bus).
@Suite(.serialized) struct DaemonCommandLineTests {
    /// The output of `trainbelld arguments…`, run to its end.
    static func trainbelld(_ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try runCommand(try DaemonProcess.executable, arguments, environment: environment)
    }

    /// Whether `line` starts with a syslog priority prefix, `<0>` to `<7>`.
    static func hasPriorityPrefix(_ line: Substring) -> Bool {
        let bytes = Array(line.utf8.prefix(3))
        return bytes.count == 3 && bytes[0] == UInt8(ascii: "<") && (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[1])
            && bytes[2] == UInt8(ascii: ">")
    }

    @Test func helpNamesTheFlagsAndTheConfigurationFile() throws {
        let scratch = try TemporaryDirectory()
        let result = try Self.trainbelld(["--help"], environment: ["XDG_CONFIG_HOME": scratch.path + "/xdg"])
        #expect(result.status == 0)
        for flag in ["--address <address>", "--replace", "--log-level <level>", "--config <path>", "--state-dir <directory>"] {
            #expect(result.stdout.contains(flag), "--help does not mention \(flag):\n\(result.stdout)")
        }
        #expect(result.stdout.contains("$XDG_CONFIG_HOME/trainbell/config"))
        // The default of --config is the file this environment's XDG_CONFIG_HOME names.
        #expect(result.stdout.contains(scratch.path + "/xdg/trainbell/config"))
        #expect(result.stderr == "")
    }

    @Test func versionPrintsTheVersion() throws {
        let result = try Self.trainbelld(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "trainbelld 0.1.0\n")
    }

    @Test func anUnknownFlagExitsWithTheUsageCodeNamingIt() throws {
        let result = try Self.trainbelld(["--bogus"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Unknown option '--bogus'"))
        #expect(result.stderr.contains("trainbelld --help"))
    }

    @Test func anUnknownLogLevelExitsWithTheUsageCodeListingTheLevels() throws {
        let result = try Self.trainbelld(["--log-level", "nonsense"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("'nonsense'"))
        #expect(result.stderr.contains("'error', 'warning', 'info' or 'debug'"))
    }

    @Test func aSecondDaemonOnTheSameBusExitsWith2NamingTheOwner() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let first = try DaemonProcess(bus: bus)
        defer { first.stop() }
        let second = try DaemonProcess(bus: bus, waitForName: false)
        defer { second.stop() }
        let status = second.process?.wait(seconds: 15)
        #expect(status == 2)
        let pid = try #require(first.process?.pid)
        #expect(second.log.contains("the name org.trainbell.TrainBell1 is already owned by PID \(pid)"), "\(second.log)")
        #expect(second.log.contains("is trainbelld already running?"))
        #expect(second.log.contains("--replace"))
        // The first one keeps serving.
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try client.call("Ping", interface: .peer) == [])
        #expect(first.process?.isRunning == true)
    }

    @Test func replaceTakesTheNameOverAndTheFirstDaemonExits0() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let first = try DaemonProcess(bus: bus)
        defer { first.stop() }
        // DaemonProcess waits until the name belongs to this second process.
        let second = try DaemonProcess(bus: bus, arguments: ["--replace"])
        defer { second.stop() }
        #expect(first.process?.wait(seconds: 10) == 0)
        #expect(first.log.contains("another trainbelld took org.trainbell.TrainBell1 over (--replace); exiting"), "\(first.log)")
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(client.connection.processID(of: DaemonProcess.busName.rawValue) == second.process.map { UInt32($0.pid) })
        #expect(try client.api.doNotDisturb() == DoNotDisturbReply(active: false, source: "none"))
        #expect(second.stop() == 0)
    }

    @Test func underTheJournalEveryLogLineStartsWithItsPriority() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        // An unknown key is a warning; starting is info; --log-level debug (DaemonProcess) lets debug through.
        let daemon = try DaemonProcess(bus: bus, configuration: "[notifications]\ncolour=blue\n",
                                       environment: ["JOURNAL_STREAM": "1:2"])
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        _ = try client.startJob("run", total: 100)
        try client.progress("run", 30)
        try client.api.reportWarning("run", message: "loss is noisy")
        #expect(daemon.stop() == 0)
        let lines = daemon.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(Self.hasPriorityPrefix(line), "not a journal line: \(line)")
            #expect(!line.contains("trainbelld: "), "the plain prefix is used under the journal: \(line)")
        }
        #expect(lines.contains { $0.hasPrefix("<6>trainbelld 0.1.0 serving org.trainbell.TrainBell1") }, "\(daemon.log)")
        #expect(lines.contains { $0.hasPrefix("<4>") && $0.contains("config:2: unknown key [notifications] colour") },
                "\(daemon.log)")
        #expect(lines.contains { $0.hasPrefix("<7>") }, "no debug line with --log-level debug:\n\(daemon.log)")
    }

    @Test func withoutTheJournalLinesCarryTheLevelInWords() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        #expect(daemon.stop() == 0)
        #expect(daemon.log.contains("trainbelld: info: trainbelld 0.1.0 serving org.trainbell.TrainBell1"), "\(daemon.log)")
        #expect(!daemon.log.contains("<6>"))
    }

    @Test func sigtermStopsTheDaemonWithStatus0() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        _ = try client.startJob("run", total: 100)
        daemon.signal(SIGTERM)
        #expect(daemon.process?.wait(seconds: 10) == 0)
        #expect(daemon.log.contains("stopping on signal \(SIGTERM)"), "\(daemon.log)")
        #expect(client.connection.nameOwner(DaemonProcess.busName) == nil)
    }

    @Test func losingTheBusEndsTheDaemonWithAnErrorStatusAndMessage() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        bus.stop()
        let status = daemon.process?.wait(seconds: 10)
        #expect(status != nil, "trainbelld still runs after its bus went away")
        #expect(status != 0)
        #expect(status == 1)
        #expect(daemon.log.contains("lost the connection to the session bus"), "\(daemon.log)")
    }
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// The `trainbell` command against a real daemon: what a shell user types, sees and gets as exit code.
@Suite(.serialized) struct CommandLineTests {
    static var trainbell: String {
        get throws { ((try DaemonProcess.executable) as NSString).deletingLastPathComponent + "/trainbell" }
    }

    struct Setup {
        let bus: PrivateBus
        let server: StandInNotificationServer
        let daemon: DaemonProcess
        var env: [String: String] { ["DBUS_SESSION_BUS_ADDRESS": bus.address] }

        init() throws {
            bus = try PrivateBus()
            server = try StandInNotificationServer(bus: bus)
            daemon = try DaemonProcess(bus: bus)
        }

        func run(_ args: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
            try runCommand(try CommandLineTests.trainbell, args, environment: env, input: input)
        }

        func stop() {
            daemon.stop()
            server.stop()
        }
    }

    @Test func reportingARunFromTheShell() throws {
        let s = try Setup()
        defer { s.stop() }
        let start = try s.run(["start", "run-42", "--title", "Llama", "--total", "100", "--milestones", "10,50"])
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stdout == "/org/trainbell/TrainBell1/job/run_2d42\n")
        #expect(try s.run(["progress", "run-42", "12"]).status == 0)
        #expect(try s.run(["progress", "run-42", "55", "--wait"]).status == 0)
        let warn = try s.run(["warn", "run-42", "-"], input: "from stdin\n")
        #expect(warn.status == 0)
        let error = try s.run(["error", "run-42", "CUDA out of memory", "--type", "oom_error"])
        #expect(error.status == 0)
        #expect(Int(error.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil)
        #expect(try s.run(["complete", "run-42", "early stop"]).status == 0)

        let calls = s.server.waitForNotifies(count: 5)
        #expect(calls.map(\.summary) == ["Training 10% Complete", "Training Halfway There!", "Training Warning",
                                         "Training Error", "Training Complete! 🎉"])
        #expect(calls[2].body == "from stdin")
        #expect(calls[3].hints["urgency"] == .byte(2))

        let history = try s.run(["history", "run-42"])
        #expect(history.status == 0)
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.first?.hasPrefix("TIME") == true)
        #expect(lines.last?.contains("completion") == true && lines.last?.contains("shown") == true)

        let json = try s.run(["history", "run-42", "--json", "--limit", "2"])
        #expect(json.stdout.hasPrefix("[{\"id\":"))
        #expect(json.stdout.contains("\"type\":\"error\"") && json.stdout.contains("\"type\":\"completion\""))
        #expect(!json.stdout.contains("\"type\":\"warning\""))

        let status = try s.run(["status"])
        #expect(status.stdout.contains("notification server: trainbell-stand-in"))
        #expect(status.stdout.contains("do not disturb:      off"))
        #expect(status.stdout.contains("run-42"))
        #expect(status.stdout.contains("55 %  55/100  completed  Llama"))
        #expect(status.stdout.contains("completed"))
        let statusJSON = try s.run(["status", "--json"])
        #expect(statusJSON.stdout.hasPrefix("{\"daemon\":{"))
        #expect(statusJSON.stdout.contains("\"Id\":\"run-42\""))

        let dnd = try s.run(["dnd"])
        #expect(dnd.stdout == "Do Not Disturb is off (source: none)\n")

        #expect(try s.run(["cancel", "run-42"]).status == 0)
    }

    @Test func theDaemonsRefusalsAreShownWithExitCodeOne() throws {
        let s = try Setup()
        defer { s.stop() }
        let unknown = try s.run(["cancel", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "trainbell: no job 'nope': start it with StartJob, or report progress for it first\n")
        let bad = try s.run(["error", "x\u{1}y", "m"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("control character"))
    }

    @Test(arguments: [
        (["start", "j"], "Missing expected argument '--total <total>'"),
        (["start", "j", "--total", "0"], "--total must be at least 1"),
        (["start", "j", "--total", "5", "--milestones", "10,150"], "--milestones: '150' is not accepted"),
        (["progress", "j", "ten"], "The value 'ten' is invalid for '<step>'"),
        (["error", "j", "m", "--urgency", "urgent"], "--urgency: 'urgent' is not accepted"),
        (["history", "--limit", "0"], "--limit must be at least 1"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
    ])
    func badArgumentsExit64NamingTheArgument(_ args: [String], _ message: String) throws {
        let result = try runCommand(try Self.trainbell, args, environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func withoutADaemonItSaysSoAndExits69() throws {
        let bus = try PrivateBus()
        let result = try runCommand(try Self.trainbell, ["status"], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 69)
        #expect(result.stderr.contains("trainbelld cannot be reached"))
        let noBus = try runCommand(try Self.trainbell, ["dnd"], environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"])
        #expect(noBus.status == 69)
        #expect(noBus.stderr.hasPrefix("trainbell: cannot reach the session bus"))
    }

    @Test func watchStreamsDecisionsUntilInterrupted() throws {
        let s = try Setup()
        defer { s.stop() }
        let watch = try BackgroundCommand(try Self.trainbell, ["watch", "run", "--json"], environment: s.env.mapValues { $0 })
        // Subscribed once it shows a change of the job: start the run until it does.
        let subscribed = Date().addingTimeInterval(10)
        repeat {
            _ = try s.run(["start", "run", "--total", "4"])
            usleep(20_000)
        } while !watch.stdout.contains("{\"event\":\"job\",\"job_id\":\"run\"") && Date() < subscribed
        _ = try s.run(["progress", "run", "1", "--wait"])
        _ = try s.run(["start", "other", "--total", "4"])
        _ = try s.run(["progress", "other", "2", "--wait"])
        _ = s.server.waitForNotifies(count: 2)
        // The milestone's record reaches the watcher before it is stopped.
        let shown = Date().addingTimeInterval(10)
        while !watch.stdout.contains("\"milestone\":25") && Date() < shown { usleep(20_000) }
        kill(watch.pid, SIGINT)
        let result = try #require(watch.wait(seconds: 10))
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("{\"event\":\"notification\",\"job_id\":\"run\"") && $0.contains("\"milestone\":25") })
        #expect(lines.contains { $0.hasPrefix("{\"event\":\"job\",\"job_id\":\"run\"") })
        #expect(!lines.contains { $0.contains("\"job_id\":\"other\"") })
    }

    static let subcommands = ["", "start", "progress", "metrics", "error", "warn", "complete", "cancel", "send", "status", "history", "watch", "dnd",
                              "sink", "sink list", "sink test", "run", "ssh"]

    /// `--help` of every subcommand (and of `sink`'s own), against the snapshots in `Tests/HelpSnapshots/`.
    @Test(arguments: subcommands)
    func helpMatchesItsSnapshot(_ subcommand: String) throws {
        let args = subcommand.split(separator: " ").map(String.init) + ["--help"]
        let result = try runCommand(try Self.trainbell, args, environment: ["COLUMNS": "80"])
        #expect(result.status == 0)
        let name = (["trainbell"] + subcommand.split(separator: " ")).joined(separator: "-")
        let path = InterfaceFileTests.projectRoot + "/Tests/HelpSnapshots/\(name).txt"
        let snapshot = try String(contentsOfFile: path, encoding: .utf8)
        #expect(result.stdout == snapshot, "help of '\(subcommand)' changed: update \(path) if the change is wanted")
    }
}

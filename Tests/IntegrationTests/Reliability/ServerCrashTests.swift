import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// The desktop failing under a running daemon (issue 18, "The reliability suite"): the notification
/// server killed mid-run and started again, and the session bus itself going away while
/// `trainbell run` trains. What survives: the errors and completions, delivered once and in order to
/// the next server; the training, to its end, with its exit status.
@Suite(.serialized) struct ServerCrashTests {
    /// `NotificationServer` of the daemon, as `trainbell status` shows it.
    static func notificationServer(_ client: DaemonClient) throws -> String? {
        try client.call("Get", [.string("org.trainbell.TrainBell1"), .string("NotificationServer")], interface: .properties)
            .first?.stringValue
    }

    /// Waits until the daemon says which server it uses ("" for none).
    static func waitForServer(_ name: String, _ client: DaemonClient, timeout: Double = 10) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while try notificationServer(client) != name {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    @Test func errorsAndCompletionsWhileDunstIsDeadReachTheRestartedDunstOnceInOrder() throws {
        let session = try DunstSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus, recordSignals: false)
        #expect(try Self.waitForServer("dunst", client))
        _ = try client.startJob("run", total: 100)
        try client.progress("run", 30)
        #expect(session.recorder.waitForNotifies(count: 1).map(\.summary) == ["Training 25% Complete"])

        session.dunst.kill()
        #expect(try Self.waitForServer("", client), "trainbelld did not notice that dunst died")
        try client.api.reportError("run", message: "first", type: "data_error")
        try client.api.reportWarning("run", message: "a warning")
        try client.api.reportError("run", message: "second", type: "oom_error")
        try client.api.completeJob("run", message: "stopped early")
        #expect(try client.history("run").map { $0["delivery"]?.stringValue } == ["shown", "queued", "no-server", "queued", "queued"])

        let before = session.recorder.notifies.count
        let dunst = try Dunst(bus: session.bus, display: session.display)
        defer { dunst.stop() }
        _ = session.recorder.waitForNotifies(count: before + 3)
        // A fence: what the daemon sends after the queue. Anything sent twice would come before it.
        try client.api.reportWarning("run", message: "fence")
        let delivered = Array(session.recorder.waitForNotifies(count: before + 4).dropFirst(before))
        #expect(delivered.map(\.summary) == ["Training Error", "Training Error", "Training Complete! 🎉", "Training Warning"])
        #expect(delivered.map(\.body) == ["first", "second", "run finished after 30 steps.\nstopped early", "fence"])
        let counts = try dunst.waitForCounts { $0.displayed + $0.waiting == 4 }
        #expect(counts.displayed + counts.waiting == 4, "the new dunst holds \(counts)")
        let shown = ["shown", "shown", "no-server", "shown", "shown", "shown"]
        #expect(client.loop.run(until: { (try? client.history("run").map { $0["delivery"]?.stringValue ?? "" }) == shown }, timeout: 10),
                "\((try? client.history("run").map { $0["delivery"]?.stringValue ?? "" }) ?? [])")
    }

    /// An error handed to a server that hangs and then dies never reached the user: the bus answers
    /// the `Notify` with `NoReply`, and trainbelld records `no-server` and drops it. Errors always go
    /// out (DESIGN section 4): the next server gets it, once.
    @Test func anErrorAServerDiedWithoutAnsweringReachesTheNextServer() throws {
        let bus = try PrivateBus()
        let hung = try StandInNotificationServer(bus: bus, configuration: .init(answersNotify: false))
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.waitForServer("trainbell-stand-in", client))
        try client.api.reportError("run", message: "lost in a hung server", type: "oom_error")
        #expect(hung.waitForNotifies(count: 1).map(\.body) == ["lost in a hung server"])
        hung.crash()
        #expect(try Self.waitForServer("", client), "trainbelld did not notice that the server died")

        let next = try StandInNotificationServer(bus: bus)
        defer { next.stop() }
        #expect(try Self.waitForServer("trainbell-stand-in", client))
        try client.api.reportWarning("run", message: "fence")
        _ = next.wait { $0.compactMap(\.notifyCall).contains { $0.body == "fence" } }
        let bodies = next.notifies.map(\.body)
        #expect(bodies == ["lost in a hung server", "fence"], "the next server got \(bodies)")
    }

    /// The bus is SIGKILLed while `trainbell run` trains: trainbelld ends with status 1 and says why;
    /// the training runs on to its end, its output passes through, and `trainbell run` exits with its status.
    @Test func whenTheBusDiesTrainbelldExitsSayingWhyAndTrainbellRunKeepsTheTrainingAndItsStatus() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let scratch = try TemporaryDirectory()
        let go = scratch.path + "/go", finished = scratch.path + "/finished"
        // A training with a tqdm-style bar on stderr: steps until it is told to go on, then to the end.
        let script = """
            echo starting
            i=0
            while [ ! -e '\(go)' ]; do
              [ $i -lt 300 ] && i=$((i + 5))
              printf '\\rtrain: %3d%%|#   | %d/1000 [00:01<00:09, 10.00it/s]' $((i / 10)) $i >&2
              sleep 0.02
            done
            for i in 400 600 800 1000; do
              printf '\\rtrain: %3d%%|#   | %d/1000 [00:01<00:09, 10.00it/s]' $((i / 10)) $i >&2
            done
            echo 'training done'
            touch '\(finished)'
            exit 3
            """
        try script.write(toFile: scratch.path + "/train.sh", atomically: true, encoding: .utf8)
        let run = try BackgroundCommand(try CommandLineTests.trainbell, ["run", "--job", "bus-gone", "--", "/bin/sh", scratch.path + "/train.sh"],
                                        environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])

        // Mid-run: the daemon has the job and its first milestone.
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(client.loop.run(until: { (try? client.history("bus-gone").count) ?? 0 >= 1 }, timeout: 20),
                "the run never reached the daemon; trainbell run said: \(run.stderr.suffix(2_000))")
        bus.kill()

        let status = daemon.process?.wait(seconds: 10)
        #expect(status == 1, "trainbelld after its bus died: \(String(describing: status))")
        #expect(daemon.log.contains("lost the connection to the session bus"), "\(daemon.log.suffix(2_000))")

        // The training goes on, to its end.
        #expect(run.process.isRunning, "trainbell run ended with the bus")
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        let result = try #require(run.wait(seconds: 30), "trainbell run did not end after the training did")
        #expect(result.status == 3)
        #expect(FileManager.default.fileExists(atPath: finished))
        #expect(result.stdout == "starting\ntraining done\n")
        #expect(result.stderr.contains(" 1000/1000 [00:01<00:09, 10.00it/s]"))
        #expect(result.stderr.components(separatedBy: "notifications are off").count <= 2, "said more than once: \(result.stderr.suffix(2_000))")
    }
}

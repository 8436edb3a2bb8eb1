import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing
import TrainBellCore

/// The CLI as a publisher (issue 12 part 2, client side): `trainbell … --broker` / `TRAINBELL_BROKER`
/// to a real Mosquitto (TLS with the test's CA, a password file) while trainbelld is stopped, then
/// trainbelld connects; a broker queue too small for a flood of progress; unreachable brokers, wrong
/// passwords and hostile option values refused clearly. The CLI runs with no session bus at all.
@Suite(.serialized) struct BrokerPublishTests {
    static var trainbell: String { get throws { try CommandLineTests.trainbell } }

    /// The environment of a publisher on host `host`: the broker's variables, no D-Bus.
    static func publisherEnvironment(_ broker: MosquittoBroker, host: String = "gpu-07") -> [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": broker.directory.path,
         "TRAINBELL_BROKER": broker.url, "TRAINBELL_BROKER_PASSWORD_FILE": broker.passwordFile,
         "TRAINBELL_BROKER_CA_FILE": broker.caFile, "TRAINBELL_HOST": host]
    }

    static func publish(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws {
        let result = try runCommand(try trainbell, arguments, replacingEnvironment: environment, input: input)
        #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty,
                "trainbell \(arguments.joined(separator: " ")): \(result.status) \(result.stdout) \(result.stderr)")
    }

    /// trainbelld makes its session at the broker, then stops: what is published next waits there.
    static func daemonThatWentAway(_ broker: MosquittoBroker, _ bus: PrivateBus, clientID: String) throws -> DaemonProcess {
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: clientID))
        try BrokerTests.waitConnected(bus, daemon)
        _ = daemon.stop()
        return daemon
    }

    @Test func aRunPublishedByTheCLIWhileTrainbelldWasStoppedArrivesAsOneDigestAndTheFullHistoryInOrder() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try Self.daemonThatWentAway(broker, bus, clientID: "tb-cli-digest")
        defer { daemon.stop() }

        let env = Self.publisherEnvironment(broker)
        try Self.publish(["start", "run-42", "--title", "ResNet", "--total", "100"], env)
        try Self.publish(["progress", "run-42", "50"], env)
        try Self.publish(["metrics", "run-42", "50", "loss=2.5"], env)
        try Self.publish(["warn", "run-42", "slow data loader"], env)
        try Self.publish(["complete", "run-42", "done"], env)
        try Self.publish(["start", "run-43", "--title", "ViT", "--total", "100"], env)
        try Self.publish(["progress", "run-43", "10"], env)
        // The options instead of the variables, and before the subcommand's name.
        var bare = env
        for name in ["TRAINBELL_BROKER", "TRAINBELL_BROKER_PASSWORD_FILE", "TRAINBELL_BROKER_CA_FILE"] { bare[name] = nil }
        try Self.publish(["--broker", broker.url, "--broker-password-file", broker.passwordFile, "--broker-ca-file", broker.caFile,
                          "error", "run-43", "-", "--type", "oom_error"], bare, input: "CUDA out of memory\n")

        try daemon.start()
        try BrokerTests.waitConnected(bus, daemon)
        let shown = server.waitForNotifies(count: 1, timeout: 15)
        usleep(1_500_000)
        #expect(server.notifies.count == 1, "one digest, not a burst: \(server.notifies.map(\.summary))")
        #expect(shown.first?.summary == "While you were away")
        #expect(shown.first?.body == "run-42 finished on gpu-07 (1 warning)\nrun-43 failed on gpu-07: CUDA out of memory",
                "\(shown.first?.body ?? ""); log:\n\(daemon.log)")

        let client = try DaemonClient(bus: bus, recordSignals: false)
        let history = try client.history("gpu-07/run-42")
        #expect(history.map { $0["type"]?.unwrapped } == [.string("warning"), .string("completion")], "\(history)")
        #expect(history.last?["message"]?.unwrapped == .string("done") || history.last.map { "\($0)".contains("done") } == true, "\(history)")
        #expect(try client.history("gpu-07/run-43").map { $0["type"]?.unwrapped } == [.string("error")])
        let metrics = try client.call("GetMetrics", [.string("gpu-07/run-42")])
        #expect("\(metrics)".contains("loss") && "\(metrics)".contains("2.5"), "\(metrics)")
        // run-42's progress was cleared at its completion; run-43's 10 % is still retained, and read.
        let run43 = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("CurrentStep")], interface: .properties,
                                    path: "/org/trainbell/TrainBell1/job/gpu_2d07_2frun_2d43").first?.unwrapped
        #expect(run43 == .uint64(10), "\(String(describing: run43))")
        #expect(BrokerTests.property(client, "RemoteRefused") == .uint64(0), "nothing refused: \(daemon.log)")
    }

    @Test func aFloodOfProgressNeverPushesTheCompletionOutOfASmallBrokerQueue() throws {
        // Mosquitto keeps at most 10 messages for the offline trainbelld: progress must not count.
        let broker = try MosquittoBroker(maxQueuedMessages: 10)
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try Self.daemonThatWentAway(broker, bus, clientID: "tb-cli-flood")
        defer { daemon.stop() }

        let env = Self.publisherEnvironment(broker)
        // A run whose output is a fast bar: 200,000 steps, redrawn each step, with a Trainer's log
        // line of metrics every 1,000 steps (QoS 1 events: merged and spaced, never 200 messages).
        let script = broker.directory.path + "/bar.py"
        try """
            import sys
            n = 200000
            for i in range(n + 1):
                sys.stderr.write("\\r%3d%%|#####| %d/%d [00:01<00:00, 99999.00it/s]" % (i * 100 // n, i, n))
                if i % 1000 == 999:
                    sys.stderr.write("\\n{'loss': '%g', 'grad_norm': '2.5', 'learning_rate': '1e-05', 'epoch': '%g'}\\n" % (i / 1000.0, i / n))
            sys.stderr.write("\\n")
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let run = try runCommand(try Self.trainbell, ["run", "--job", "flood", "--", "/usr/bin/python3", script], replacingEnvironment: env)
        #expect(run.status == 0 && !run.stderr.contains("trainbell:"), "\(run.status): \(run.stderr.suffix(500))")
        // And 300 separate progress calls (one retained message each), then the end.
        let calls = broker.directory.path + "/calls.sh"
        try """
            i=0
            while [ $i -lt 300 ]; do i=$((i + 1)); "$1" progress calls $i --total 300 || exit 1; done
            "$1" complete calls
            """.write(toFile: calls, atomically: true, encoding: .utf8)
        let loop = try runCommand("/bin/sh", [calls, try Self.trainbell], replacingEnvironment: env)
        #expect(loop.status == 0, "\(loop.stderr)")

        try daemon.start()
        try BrokerTests.waitConnected(bus, daemon)
        let shown = server.waitForNotifies(count: 1, timeout: 15)
        usleep(1_500_000)
        #expect(server.notifies.count == 1, "\(server.notifies.map(\.summary))")
        #expect(shown.first?.summary == "While you were away")
        #expect(shown.first?.body == "calls finished on gpu-07\nflood finished on gpu-07" || shown.first?.body == "flood finished on gpu-07\ncalls finished on gpu-07",
                "\(shown.first?.body ?? ""); log:\n\(daemon.log)")
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try client.history("gpu-07/flood").last?["type"]?.unwrapped == .string("completion"))
        let metrics = "\(try client.call("GetMetrics", [.string("gpu-07/flood")]))"
        #expect(metrics.contains("loss") && metrics.contains("199.999"), "the last logged loss is there: \(metrics.prefix(600))")
        #expect(try client.history("gpu-07/calls").last?["type"]?.unwrapped == .string("completion"))
        #expect(!broker.log.contains("being dropped"), "the broker's queue for trainbelld never filled")

        // The limit is real: a dozen QoS 1 events for the offline trainbelld overflow it.
        _ = daemon.stop()
        let env12 = Self.publisherEnvironment(broker, host: "gpu-08")
        for i in 1...12 { try Self.publish(["warn", "overflow", "warning \(i)"], env12) }
        #expect(BrokerTests.eventually(5) { broker.log.contains("Outgoing messages are being dropped for client tb-cli-flood") }, "\(broker.log.suffix(2000))")
    }

    @Test func aRetryClickedOnTheDesktopReachesTheRunThatPublishedTheError() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: "tb-cli-actions"))
        defer { daemon.stop() }
        try BrokerTests.waitConnected(bus, daemon)
        usleep(700_000)  // past the backlog window

        let done = broker.directory.path + "/done"
        let stderr = broker.directory.path + "/run.err"
        let run = try ChildProcess(try Self.trainbell, [
            "run", "--job", "act-1", "--", "/bin/sh", "-c",
            "echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB' >&2; while [ ! -e \(done) ]; do sleep 0.1; done",
        ], environment: Self.publisherEnvironment(broker), stdout: broker.directory.path + "/run.out", stderr: stderr)
        defer { run.terminate() }
        #expect(server.wait(timeout: 15) { $0.compactMap(\.notifyCall).count == 1 }, "\(daemon.log)")
        let error = try #require(server.notifies.first)
        #expect(error.body.hasSuffix("on gpu-07"), "\(error)")
        try server.invokeAction(id: try #require(error.returnedID), actionKey: "retry")
        func said() -> String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
        #expect(BrokerTests.eventually(10) { said().contains("trainbell: the desktop chose 'retry' for job act-1") }, "\(said())")
        creat(done, 0o644)
        #expect(run.wait(seconds: 20) == 0, "\(said())")
    }

    @Test func aBrokerKilledDuringARunIsConnectedAgainWithNothingLost() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: "tb-cli-lost"))
        defer { daemon.stop() }
        try BrokerTests.waitConnected(bus, daemon)
        usleep(700_000)

        let step = broker.directory.path + "/step"
        let stderr = broker.directory.path + "/run.err"
        let run = try ChildProcess(try Self.trainbell, [
            "run", "--job", "lost-1", "--", "/bin/sh", "-c",
            "echo 'UserWarning: before the loss' >&2; while [ ! -e \(step) ]; do sleep 0.1; done; echo 'UserWarning: after the loss' >&2",
        ], environment: Self.publisherEnvironment(broker), stdout: broker.directory.path + "/run.out", stderr: stderr)
        defer { run.terminate() }
        #expect(server.wait(timeout: 15) { $0.compactMap(\.notifyCall).count == 1 }, "\(daemon.log)")
        func said() -> String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }

        // SIGKILL keeps only what the broker saved (autosave_interval 1): the daemon's session and
        // subscription must be in its file first, or the broker forgets them and drops what the run
        // publishes before the daemon is back (the test failed so about one run in three).
        let saved = broker.directory.path + "/data/mosquitto.db"
        let connectedAt = time(nil)
        #expect(BrokerTests.eventually(10) {
            var status = stat()
            return stat(saved, &status) == 0 && status.st_mtim.tv_sec > connectedAt
        }, "the broker never saved its sessions to \(saved)")
        broker.stop(kill: true)
        #expect(BrokerTests.eventually(10) { said().contains("trainbell: lost the broker \(broker.url)") }, "\(said())")
        // The second warning and the end come while the broker is away: they wait in the run.
        creat(step, 0o644)
        usleep(1_000_000)
        try broker.start()
        #expect(run.wait(seconds: 30) == 0, "\(said())")
        #expect(said().contains("trainbell: the broker \(broker.url) answers again"), "\(said())")
        #expect(!said().contains("were not published"), "\(said())")
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(BrokerTests.eventually(30) { BrokerTests.property(client, "RemoteState") == .string("connected") }, "\(daemon.log)")
        // What the run published while the broker was away reaches the daemon either live (it was
        // back first) or as the backlog of its resumed session, shown as one digest: the last bubble
        // is the completion either way, and the history has each event once.
        #expect(server.wait(timeout: 15) { $0.compactMap(\.notifyCall).last?.body.contains("finished") == true },
                "\(server.notifies.map(\.body)); \(said()); \(daemon.log.split(separator: "\n").filter { $0.contains("broker") || $0.contains("lost-1") })")
        usleep(500_000)
        #expect((2...3).contains(server.notifies.count), "nothing twice: \(server.notifies.map(\.body))")
        let history = try client.history("gpu-07/lost-1")
        #expect(history.map { $0["type"]?.unwrapped } == [.string("warning"), .string("warning"), .string("completion")], "\(history)")
    }

    @Test func anUnreachableBrokerIsAClearFailure() throws {
        let broker = try MosquittoBroker()
        broker.stop()
        let env = Self.publisherEnvironment(broker)
        let result = try runCommand(try Self.trainbell, ["start", "run-1", "--total", "10"], replacingEnvironment: env)
        #expect(result.status == 69)
        #expect(result.stderr == "trainbell: cannot reach the broker \(broker.url): Connection refused\n",
                "\(result.stderr)")
        // trainbell run still runs the command, and says once that notifications are off.
        let run = try runCommand(try Self.trainbell, ["run", "--job", "r", "--", "/bin/echo", "hello"], replacingEnvironment: env)
        #expect(run.status == 0 && run.stdout == "hello\n")
        #expect(run.stderr == "trainbell: notifications are off for this run (cannot reach the broker \(broker.url): Connection refused); the command runs as usual\n",
                "\(run.stderr)")
    }

    @Test func aWrongPasswordOrAnUnknownAuthorityIsRefusedClearly() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        var env = Self.publisherEnvironment(broker)
        let wrong = broker.directory.path + "/wrong-password"
        try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        env["TRAINBELL_BROKER_PASSWORD_FILE"] = wrong
        let refused = try runCommand(try Self.trainbell, ["error", "run-1", "boom"], replacingEnvironment: env)
        #expect(refused.status == 69)
        #expect(refused.stderr == "trainbell: cannot reach the broker \(broker.url): the broker refused the connection: Connection Refused: not authorised. (check the user and the password file)\n",
                "\(refused.stderr)")
        #expect(!refused.stderr.contains("not-the-password") && !refused.stderr.contains(broker.password))
        // No password at all.
        env["TRAINBELL_BROKER_PASSWORD_FILE"] = nil
        let none = try runCommand(try Self.trainbell, ["error", "run-1", "boom"], replacingEnvironment: env)
        #expect(none.status == 69 && none.stderr.hasSuffix("(no password was given: --broker-password-file)\n"), "\(none.stderr)")
        // The system's authorities do not know the test's CA.
        env = Self.publisherEnvironment(broker)
        env["TRAINBELL_BROKER_CA_FILE"] = nil
        let untrusted = try runCommand(try Self.trainbell, ["cancel", "run-1"], replacingEnvironment: env)
        #expect(untrusted.status == 69 && untrusted.stderr.hasPrefix("trainbell: cannot reach the broker \(broker.url): ")
                && untrusted.stderr.contains("certificate verify failed") && untrusted.stderr.contains("--broker-ca-file"), "\(untrusted.stderr)")
    }

    /// Each refused before anything connects, exit status 64, naming what is wrong and what is accepted.
    static let hostileOptions: [(arguments: [String], environment: [String: String], message: String)] = [
        (["--broker", "http://broker.example/tb"], [:], "--broker: 'http://broker.example/tb' is not a broker URL; accepted: mqtts://[USER@]HOST[:PORT]/TOPIC/BASE"),
        (["--broker", "mqtt://10.1.2.3/tb"], [:], "plain mqtt:// sends the password and the events unencrypted; use mqtts://, or allow it for a trusted network (insecure = true in [remote], --broker-insecure for trainbell)"),
        (["--broker", "mqtts://alice:pw@broker.example/tb"], [:], "put no password in the URL"),
        (["--broker", "mqtts://broker.example"], [:], "has no topic base"),
        (["--broker", "mqtts://broker.example/tb/#"], [:], "without '+' or '#'"),
        (["--broker", "mqtts://broker.example:99999/tb"], [:], "port '99999' is not 1 to 65535"),
        (["--broker", ""], [:], "--broker is empty"),
        ([], ["TRAINBELL_BROKER": "ftp://x/tb"], "TRAINBELL_BROKER: 'ftp://x/tb' is not a broker URL"),
        (["--broker", "mqtts://broker.example/tb"], ["TRAINBELL_HOST": "gpu 07"], "this host's name 'gpu 07' cannot name it at the desktop; set TRAINBELL_HOST to 1 to 64 letters"),
        (["--broker", "mqtts://alice@broker.example/tb", "--broker-password-file", "/nonexistent/pw"], [:],
         "cannot read the broker password file /nonexistent/pw: No such file or directory"),
        (["--broker", "mqtts://broker.example/tb", "--broker-password-file", "/etc/hostname"], [:], "a broker password needs a user"),
        (["--broker", "mqtts://broker.example/tb", "--broker-ca-file", "/nonexistent/ca.crt"], [:], "cannot read the CA file /nonexistent/ca.crt"),
    ]

    @Test(arguments: hostileOptions.indices)
    func hostileOptionValuesAreRefusedWithWhatIsAccepted(_ index: Int) throws {
        let (arguments, extra, message) = Self.hostileOptions[index]
        var env = ["PATH": "/usr/bin:/bin", "TRAINBELL_HOST": "gpu-07"]
        env.merge(extra) { $1 }
        for subcommand in [["start", "run-1", "--total", "10"], ["run", "--job", "r"]] {
            let tail = subcommand == ["run", "--job", "r"] ? ["--", "/bin/true"] : []
            let result = try runCommand(try Self.trainbell, subcommand + arguments + tail, replacingEnvironment: env)
            #expect(result.status == 64, "\(subcommand) \(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(subcommand) \(arguments): \(result.stderr)")
        }
    }

    @Test func aJobIdTheDesktopWouldRefuseIsRefusedBeforePublishing() throws {
        let env = ["PATH": "/usr/bin:/bin", "TRAINBELL_HOST": "gpu-07", "TRAINBELL_BROKER": "mqtt://127.0.0.1:1/tb"]
        let result = try runCommand(try Self.trainbell, ["progress", String(repeating: "j", count: 130), "1"], replacingEnvironment: env)
        #expect(result.status == 64)
        #expect(result.stderr.contains("the desktop's id gpu-07/jjj") && result.stderr.contains("a job id is 1 to 128 bytes"), "\(result.stderr)")
    }

    @Test func theCommandLinksNoMosquitto() throws {
        let result = try runCommand("/usr/bin/ldd", [try Self.trainbell])
        #expect(result.status == 0 && !result.stdout.contains("libmosquitto"), "\(result.stdout)")
    }
}

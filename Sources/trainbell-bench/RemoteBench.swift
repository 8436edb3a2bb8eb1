import BusTestSupport
import DBus
import Foundation
import Glibc
import TrainBellAPI
import TrainBellCore

/// `trainbell-bench remote` (issue 12's figures): how soon a remote error is on the notification server,
/// over trainbelld's peer socket (directly, and forwarded by a real `ssh -R` through a real `sshd` on
/// loopback) and through a real Mosquitto broker on loopback (TLS, a password); how many events a
/// second trainbelld takes from the broker; what an idle broker connection costs in wake-ups.
/// The same trainbelld, notification server (the harness's stand-in) and clock for all of them.
enum RemoteBench {
    static func run() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["BENCH_REMOTE_ROUNDS"] ?? "") ?? 300
        let ingest = Int(ProcessInfo.processInfo.environment["BENCH_REMOTE_EVENTS"] ?? "") ?? 20_000
        let idleSeconds = UInt32(ProcessInfo.processInfo.environment["BENCH_REMOTE_IDLE_SECONDS"] ?? "") ?? 30

        let broker = try MosquittoBroker(maxQueuedMessages: 100_000)
        defer { broker.stop() }
        let bus = try PrivateBus()
        defer { bus.stop() }
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let runtime = try TemporaryDirectory("tb-bench-run")
        chmod(runtime.path, 0o700)
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: "trainbelld-bench"),
                                       arguments: ["--log-level", "warning"], environment: ["XDG_RUNTIME_DIR": runtime.path])
        defer { daemon.stop() }
        let local = try DaemonClient(bus: bus, recordSignals: false)
        guard waitFor(15, { remoteState(local) == "connected" }) else { throw HarnessError("trainbelld did not connect to the broker:\n\(daemon.log)") }
        let socket = runtime.path + "/trainbell/bus"
        guard waitFor(10, { UnixSocket.answers(socket) }) else { throw HarnessError("no peer socket at \(socket)") }

        print("Remote trainings (issue 12), \(rounds) errors each, every one distinct, after 20 of warm-up:")
        var total = 0  // Notify calls the server has had so far

        // 1. ReportError on the peer socket itself, as a client on the desktop's side of an ssh would.
        let direct = try Connection(address: "unix:path=" + socket)
        let directFigures = try latencies(rounds, server, &total) { round in
            try TrainBellClient(connection: direct).callNoReply(TrainBell1.reportError, "socket-\(round % 5)",
                                                               "CUDA out of memory (socket round \(round))", "oom_error", "")
        }
        report("peer socket, same machine", directFigures)

        // 2. The same through ssh -R: a real sshd on loopback forwards the socket to "the host's" path.
        do {
            let sshd = try SSHServer()
            defer { sshd.stop() }
            let forwarded = sshd.remoteRuntime + "/desktop"
            let ssh = try ChildProcess("/usr/bin/ssh", sshd.clientOptions + ["-N", "-o", "ExitOnForwardFailure=yes",
                                       "-o", "StreamLocalBindUnlink=yes", "-R", forwarded + ":" + socket, sshd.destination],
                                       stderr: sshd.directory.path + "/ssh.log")
            defer { ssh.terminate(grace: 2) }
            guard waitFor(15, { UnixSocket.answers(forwarded) }) else { throw HarnessError("ssh did not forward the socket: \(sshd.log)") }
            let remote = try Connection(address: "unix:path=" + forwarded)
            _ = try TrainBellClient(connection: remote).call(TrainBell1.identifyHost, "gpu-07")
            let sshFigures = try latencies(rounds, server, &total) { round in
                try TrainBellClient(connection: remote).callNoReply(TrainBell1.reportError, "ssh-\(round % 5)",
                                                                   "CUDA out of memory (ssh round \(round))", "oom_error", "")
            }
            report("forwarded by ssh -R (sshd on loopback)", sshFigures)
        } catch let error as MissingTool {
            print("  forwarded by ssh -R: not measured (\(error))")
        }

        // 3. Published to the broker: one mosquitto_pub -l kept running (QoS 1), fed line by line.
        let fifo = broker.directory.path + "/publish.fifo"
        mkfifo(fifo, 0o600)
        let feed = open(fifo, O_RDWR)  // held open both ways, so the publisher's open of it never blocks
        guard feed >= 0 else { throw HarnessError("cannot open \(fifo)") }
        defer { close(feed) }
        let publisher = try ChildProcess("/usr/bin/mosquitto_pub",
                                         broker.clientArguments + ["-t", MQTTTopic.events("trainbell/alice"), "-q", "1", "-l"],
                                         stdin: fifo, stderr: broker.directory.path + "/publisher.log")
        defer { publisher.terminate(grace: 2) }
        usleep(500_000)
        var sequence = 0
        func publish(_ lines: [String]) {
            let text = lines.joined(separator: "\n") + "\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(feed, $0.baseAddress, $0.count - 1) }
        }
        func event(_ job: String, _ kind: RemoteEvent.Kind) -> String {
            sequence += 1
            return RemoteEvent(id: "bench-\(sequence)", host: "gpu-07", job: job, time: 1_700_000_000 + Double(sequence), kind: kind).json
        }
        let brokerFigures = try latencies(rounds, server, &total) { round in
            publish([event("mqtt-\(round % 5)", .error(message: "CUDA out of memory (broker round \(round))", type: "oom_error", urgency: nil))])
        }
        report("through mosquitto on loopback (TLS, QoS 1)", brokerFigures)

        // 4. Ingestion: metrics events of one job as fast as mosquitto_pub sends them, then an error
        // whose bubble says all before it were taken (one connection: the broker keeps their order).
        publish([event("ingest", .start(title: "ingest", total: UInt64(ingest)))])
        let start = DispatchTime.now()
        var batch: [String] = []
        for step in 1...ingest {
            batch.append(event("ingest", .metrics(step: UInt64(step), values: ["loss": 1.0 / Double(step)])))
            if batch.count == 500 { publish(batch); batch.removeAll(keepingCapacity: true) }
        }
        publish(batch + [event("ingest", .error(message: "ingest done", type: "oom_error", urgency: nil))])
        guard server.wait(timeout: 120, until: { $0.compactMap(\.notifyCall).contains { $0.body.contains("ingest done") } }) else {
            throw HarnessError("the ingestion's last event never came:\n\(daemon.log)")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let last = (try? TrainBellClient(connection: local.connection).metrics(of: "gpu-07/ingest"))?.last?.step ?? 0
        print(String(format: "  broker ingestion: %d metrics events in %.2f s = %.0f events/s end to end (publisher included); last step kept: %llu",
                     ingest, seconds, Double(ingest) / seconds, last))

        // 5. Idle with a broker connection: the only wake-ups should be the keep-alive's.
        usleep(2_000_000)
        guard let pid = daemon.process?.pid else { return }
        let idle = StallBench.idleCost(pid, seconds: idleSeconds)
        print(String(format: "  idle with the broker connected, %u s (keep-alive 60 s): %d context switches, %.0f ms CPU",
                     idleSeconds, idle.switches, idle.milliseconds))
    }

    /// `RemoteState` of the daemon.
    static func remoteState(_ client: DaemonClient) -> String? {
        (try? client.call("Get", [.string(TrainBellBus.interface.rawValue), .string("RemoteState")],
                          interface: .properties))?.first?.unwrapped.stringValue
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        for _ in 0..<Int(seconds * 50) {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Milliseconds from `send(round)` to the Notify it causes, per round (warm-up rounds dropped).
    static func latencies(_ rounds: Int, _ server: StandInNotificationServer, _ total: inout Int,
                          _ send: (Int) throws -> Void) throws -> [Double] {
        var figures: [Double] = []
        for round in -20..<rounds {
            let start = DispatchTime.now()
            try send(round + 1_000_000)
            total += 1
            let expected = total
            guard server.wait(timeout: 10, until: { $0.count { $0.notifyCall != nil } >= expected }) else {
                throw HarnessError("round \(round): no Notify within 10 s")
            }
            if round >= 0 { figures.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6) }
            usleep(2_000)
        }
        return figures.sorted()
    }

    static func report(_ label: String, _ sorted: [Double]) {
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print(String(format: "  error → Notify, %@: p50 %.3f ms, p99 %.3f ms", label, percentile(0.5), percentile(0.99)))
    }
}

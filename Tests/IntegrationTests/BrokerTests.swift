import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing
import TrainBellCore

/// Remote trainings through a real Mosquitto broker (issue 12, part 2), TLS with a test CA and a
/// password file, started by the test on loopback: the backlog of a stopped trainbelld as one
/// digest, clicks published back, a broker killed mid-run, hostile payloads, two hosts' same job id.
@Suite(.serialized) struct BrokerTests {
    static let base = "trainbell/alice"
    static var events: String { MQTTTopic.events(base) }

    static func event(_ host: String, _ job: String, _ id: String, _ time: Double, _ kind: RemoteEvent.Kind) -> String {
        RemoteEvent(id: id, host: host, job: job, time: time, kind: kind).json
    }

    static func eventually(_ seconds: Double = 15, _ condition: () -> Bool) -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    static func property(_ client: DaemonClient, _ name: String) -> DBusValue? {
        (try? client.call("Get", [.string("org.trainbell.TrainBell1"), .string(name)], interface: .properties))?.first?.unwrapped
    }

    static func waitConnected(_ bus: PrivateBus, _ daemon: DaemonProcess) throws {
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(eventually { property(client, "RemoteState") == .string("connected") }, "not connected; log:\n\(daemon.log)")
    }

    @Test func aRunPublishedWhileTrainbelldWasStoppedArrivesAsOneDigestAndTheFullHistory() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration())
        defer { daemon.stop() }
        // The first connection makes the session at the broker; then trainbelld goes away.
        try Self.waitConnected(bus, daemon)
        _ = daemon.stop()

        let t = 1_700_000_000.0
        let run42 = [
            Self.event("gpu-07", "run-42", "e1", t, .start(title: "ResNet", total: 100)),
            Self.event("gpu-07", "run-42", "e2", t + 1, .metrics(step: 10, values: ["loss": 2.5])),
            Self.event("gpu-07", "run-42", "e3", t + 2, .warning(message: "slow data loader")),
            Self.event("gpu-07", "run-42", "e4", t + 3, .complete(message: "done")),
            Self.event("gpu-07", "run-43", "e5", t + 4, .start(title: "ViT", total: 100)),
            Self.event("gpu-07", "run-43", "e6", t + 5, .error(message: "CUDA out of memory", type: "oom_error", urgency: nil)),
        ]
        // e3 twice (a publisher's retry): taken once.
        try broker.publish(lines: run42 + [run42[2]], topic: Self.events)

        try daemon.start()
        try Self.waitConnected(bus, daemon)
        let shown = server.waitForNotifies(count: 1, timeout: 15)
        usleep(1_500_000)
        let all = server.notifies
        #expect(all.count == 1, "one digest, not a burst: \(all.map(\.summary))")
        #expect(shown.first?.summary == "While you were away")
        #expect(shown.first?.body == "run-42 finished on gpu-07 (1 warning)\nrun-43 failed on gpu-07: CUDA out of memory",
                "\(shown.first?.body ?? "")")

        let client = try DaemonClient(bus: bus, recordSignals: false)
        let history = try client.history("gpu-07/run-42")
        #expect(history.map { $0["type"]?.unwrapped } == [.string("warning"), .string("completion")], "\(history)")
        #expect(history.allSatisfy { $0["delivery"]?.unwrapped == .string("away-digest") })
        #expect(try client.history("gpu-07/run-43").map { $0["type"]?.unwrapped } == [.string("error")])
        let job = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("Host")], interface: .properties,
                                  path: "/org/trainbell/TrainBell1/job/gpu_2d07_2frun_2d42").first?.unwrapped
        #expect(job == .string("gpu-07"))
        #expect(Self.property(client, "RemoteRefused") == .uint64(1), "the duplicate is counted")

        // Live now: an error is shown as it comes, "on gpu-07"; its Retry goes back to the host.
        let actions = broker.directory.path + "/actions.txt"
        let subscriber = try broker.subscribe(MQTTTopic.actionsFilter(Self.base, host: nil), count: 1, output: actions)
        defer { subscriber.terminate() }
        usleep(500_000)
        try broker.publish(lines: [Self.event("gpu-07", "run-44", "e7", t + 10, .error(message: "NaN loss", type: "loss_divergence", urgency: nil))],
                           topic: Self.events)
        #expect(server.wait(timeout: 10) { $0.compactMap(\.notifyCall).count == 2 })
        let error = try #require(server.notifies.last)
        #expect(error.summary == "Training Error" && error.body.hasSuffix("on gpu-07"), "\(error)")
        try server.invokeAction(id: try #require(error.returnedID), actionKey: "retry")
        #expect(subscriber.wait(seconds: 10) == 0, "no action reached the subscriber: \(daemon.log)")
        let line = (try? String(contentsOfFile: actions, encoding: .utf8)) ?? ""
        #expect(line.hasPrefix("trainbell/alice/actions/gpu-07/run-44 {"), "\(line)")
        let json = try JSONParser.parse(String(line.drop { $0 != "{" }).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json["action"] == .string("retry") && json["host"] == .string("gpu-07") && json["job"] == .string("run-44")
                && json["v"] == .number(1), "\(json)")
    }

    @Test func hostilePayloadsAreRefusedAndCountedAndTheNextEventStillArrives() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: "tb-hostile"))
        defer { daemon.stop() }
        try Self.waitConnected(bus, daemon)
        usleep(700_000)  // past the backlog window

        let good = Self.event("a", "run-1", "ok-1", 1, .error(message: "first host", type: "", urgency: nil))
        let junk = [
            "not json", "{\"v\": 2, \"id\": \"x\", \"host\": \"a\", \"job\": \"j\", \"event\": \"cancel\", \"time\": 1}",
            Self.event("a", "j", "u1", 1, .cancel).replacingOccurrences(of: "\"cancel\"", with: "\"explode\""),
            String(repeating: "[", count: 10_000), good, good,
        ]
        try broker.publish(lines: junk, topic: Self.events)
        // 300 KiB and 100 MB payloads.
        let big = broker.directory.path + "/big"
        try Data(repeating: 0x7B, count: 300 << 10).write(to: URL(fileURLWithPath: big))
        try broker.publish(file: big, topic: Self.events)
        try Data(repeating: 0x20, count: 100 << 20).write(to: URL(fileURLWithPath: big))
        try broker.publish(file: big, topic: Self.events)
        unlink(big)
        // A flood of 10,000 messages, then the same job id from a second host: two jobs.
        try broker.publish(lines: Array(repeating: "{\"v\":1}", count: 10_000), topic: Self.events)
        // Drained: the count stops moving (the broker may drop part of a flood its queue cannot hold).
        let client = try DaemonClient(bus: bus, recordSignals: false)
        func refusedCount() -> UInt64 { UInt64(dbusValue: Self.property(client, "RemoteRefused") ?? .uint64(0)) ?? 0 }
        var last = UInt64.max
        _ = Self.eventually(20) {
            let now = refusedCount()
            defer { last = now }
            usleep(200_000)
            return now == last
        }
        try broker.publish(lines: [Self.event("b", "run-1", "ok-2", 2, .error(message: "second host", type: "", urgency: nil))],
                           topic: Self.events)
        #expect(server.wait(timeout: 30) { $0.compactMap(\.notifyCall).count >= 2 }, "\(server.notifies.map(\.body)); log:\n\(daemon.log)")
        #expect(server.notifies.map(\.body) == ["first host\non a", "second host\non b"])
        #expect(try client.history("a/run-1").count == 1 && client.history("b/run-1").count == 1)
        // Each hostile message once (the broker may have dropped part of the flood: max_queued_messages).
        let refused = refusedCount()
        #expect(refused >= 1_000 + 6 && refused <= 10_000 + 7, "refused \(refused)")
        let warnings = daemon.log.components(separatedBy: "refused a message").count - 1
        #expect(warnings <= 12, "the log is rate-limited: \(warnings) lines")
    }

    @Test func aBrokerKilledMidRunIsReconnectedWithNothingLostOrRepeated() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop(); bus.stop(); broker.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: "tb-restart"))
        defer { daemon.stop() }
        try Self.waitConnected(bus, daemon)
        usleep(700_000)
        try broker.publish(lines: [Self.event("gpu-07", "run-9", "s1", 1, .start(title: "run 9", total: 100))], topic: Self.events)
        try broker.publish(lines: [Self.event("gpu-07", "run-9", "p1", 2, .progress(step: 50, total: 100))],
                           topic: MQTTTopic.progress(Self.base, host: "gpu-07", job: "run-9"), qos: 0, retain: true)
        #expect(server.wait(timeout: 10) { $0.compactMap(\.notifyCall).count == 1 })
        #expect(server.notifies.first?.summary == "Training Halfway There!")

        broker.stop(kill: true)
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(Self.eventually { Self.property(client, "RemoteState") == .string("waiting") }, "\(daemon.log)")
        try broker.start()
        #expect(Self.eventually(30) { Self.property(client, "RemoteState") == .string("connected") }, "\(daemon.log)")
        usleep(700_000)
        try broker.publish(lines: [Self.event("gpu-07", "run-9", "c1", 3, .complete(message: nil))], topic: Self.events)
        #expect(server.wait(timeout: 10) { $0.compactMap(\.notifyCall).count == 2 })
        usleep(1_000_000)
        #expect(server.notifies.map(\.summary) == ["Training Halfway There!", "Training Complete! 🎉"], "\(server.notifies.map(\.summary))")
        let history = try client.history("gpu-07/run-9")
        #expect(history.map { $0["type"]?.unwrapped } == [.string("progress"), .string("completion")], "\(history)")
    }
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// No server, a server that appears later or restarts, actions clicked on the server.
@Suite(.serialized) struct ServerLifecycleTests {
    @Test func withoutAServerEverythingIsRecordedAndErrorsWaitForOne() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("run", total: 100)
        try client.progress("run", 30)
        try client.api.reportError("run", message: "first", type: "data_error")
        try client.api.reportWarning("run", message: "a warning")
        try client.api.reportError("run", message: "second", type: "oom_error")
        try client.api.completeJob("run", message: "stopped early")
        #expect(try client.history("run").map { $0["delivery"]?.stringValue } == ["no-server", "queued", "no-server", "queued", "queued"])
        #expect(try client.call("Get", [.string("org.trainbell.TrainBell1"), .string("NotificationServer")], interface: .properties)
            == [.variant(.string(""))])

        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let calls = server.waitForNotifies(count: 3)
        #expect(calls.map(\.body) == ["first", "second", "run finished after 30 steps.\nstopped early"])
        // The delivery is recorded when the server's answer arrives.
        let delivered = ["no-server", "shown", "no-server", "shown", "shown"]
        #expect(client.loop.run(until: { (try? client.history("run").map { $0["delivery"]?.stringValue ?? "" }) == delivered }, timeout: 10),
                "\((try? client.history("run").map { $0["delivery"]?.stringValue ?? "" }) ?? [])")
        // Once: nothing more arrives.
        #expect(!server.wait(timeout: 0.5) { $0.compactMap(\.notifyCall).count > 3 })
        #expect(try client.call("Get", [.string("org.trainbell.TrainBell1"), .string("NotificationServer")], interface: .properties)
            == [.variant(.string("trainbell-stand-in"))])
    }

    @Test func aRestartedServerGetsNewBubblesNotReplacementsOfOldIDs() throws {
        let bus = try PrivateBus()
        var server = try StandInNotificationServer(bus: bus)
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("run", total: 100)
        try client.progress("run", 25)
        _ = server.waitForNotifies(count: 1)
        server.stop()
        server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        _ = client.loop.run(until: { false }, timeout: 0.3)
        try client.progress("run", 50)
        let call = try #require(server.waitForNotifies(count: 1).first)
        #expect(call.summary == "Training Halfway There!")
        #expect(call.replacesID == 0)
    }

    @Test func actionsRoundTripFromTheServerToTheTrainer() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let scratch = try TemporaryDirectory()
        let daemon = try DaemonProcess(bus: bus, configuration: """
            [actions]
            details=cp {file} \(scratch.path)/details-opened.txt
            retry=touch \(scratch.path)/retried-{job}
            """)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        try client.api.reportError("run-7", message: "loss is NaN at step 1200", type: "loss_divergence")
        let call = try #require(server.waitForNotifies(count: 1).first)
        let id = try #require(call.returnedID)
        #expect(call.hints["urgency"] == .byte(2))

        try server.invokeAction(id: id, actionKey: "retry")
        let retried = client.signals("ActionInvoked", count: 1)
        #expect(try retried.first?.arguments() == [.string("run-7"), .string("retry")])
        #expect(waitForFile(scratch.path + "/retried-run-7"))

        try server.invokeAction(id: id, actionKey: "details")
        let both = client.signals("ActionInvoked", count: 2)
        #expect(try both.last?.arguments() == [.string("run-7"), .string("details")])
        #expect(waitForFile(scratch.path + "/details-opened.txt"))
        let text = (try? String(contentsOfFile: scratch.path + "/details-opened.txt", encoding: .utf8)) ?? ""
        #expect(text.contains("loss is NaN at step 1200"))
        #expect(text.contains("job: run-7"))
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/details"))
    }

    @Test func aDaemonKilledMidJobRestartsWithItsHistoryAndRepeatsNoMilestone() throws {
        let session = try DunstSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        var client = try DaemonClient(bus: session.bus)
        _ = try client.startJob("long", title: "7B LoRA", total: 1000)
        try client.progress("long", 300)
        _ = session.recorder.waitForNotifies(count: 1)
        daemon.kill()
        try daemon.start()
        client = try DaemonClient(bus: session.bus)

        #expect(try client.history("long").map { $0["milestone"] } == [.int32(25)])
        let sent = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("MilestonesSent")],
                                   interface: .properties, path: "/org/trainbell/TrainBell1/job/long")
        #expect(sent == [.variant(.array(.uint32, [.uint32(25)]))])
        try client.progress("long", 310)
        try client.progress("long", 520)
        let calls = session.recorder.waitForNotifies(count: 2)
        #expect(calls.map(\.summary) == ["Training 25% Complete", "Training Halfway There!"])
        #expect(try client.history("long").compactMap { $0["milestone"] } == [.int32(25), .int32(50)])
    }
}

func waitForFile(_ path: String, timeout: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !FileManager.default.fileExists(atPath: path) {
        if Date() > deadline { return false }
        usleep(10_000)
    }
    return true
}

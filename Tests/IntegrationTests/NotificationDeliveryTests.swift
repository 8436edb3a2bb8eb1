import BusTestSupport
import DBus
import Foundation
import Testing

/// A trainer calls the daemon; the real notification server (dunst under Xvfb) receives exactly the
/// `Notify` arguments of DESIGN.md section 4.
@Suite(.serialized) struct NotificationDeliveryTests {
    @Test func everyEventTypeReachesDunstWithTheRightArguments() throws {
        let session = try DunstSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)

        let path = try client.startJob("run-42", title: "Llama fine-tune", total: 1000,
                                       options: [("app-id", .string("org.gnome.Terminal.desktop"))])
        #expect(path == "/org/trainbell/TrainBell1/job/run_2d42")
        try client.progress("run-42", 100)
        try client.progress("run-42", 600)   // crosses 25 and 50: one notification, for 50
        try client.api.reportWarning("run-42", message: "learning rate <high> & rising")
        let errorRecord = try client.api.reportError("run-42", message: "CUDA out of memory. Tried to allocate 2.00 GiB",
                                                     type: "oom_error")
        #expect(errorRecord > 0)
        try client.progress("run-42", 800)
        try client.progress("run-42", 1000)

        let calls = session.recorder.waitForNotifies(count: 5)
        try #require(calls.count == 5, "dunst received \(calls.map(\.summary))")
        #expect(calls.map(\.summary) == ["Training Halfway There!", "Training Warning", "Training Error",
                                         "Training 75% Complete", "Training Complete! 🎉"])
        let halfway = calls[0], warning = calls[1], error = calls[2], seventyFive = calls[3], done = calls[4]

        #expect(halfway.appName == "trainbell")
        #expect(halfway.body == "Llama fine-tune: step 600 of 1000 (60%)")
        #expect(halfway.actions == [])
        #expect(halfway.expireTimeout == -1)
        #expect(halfway.replacesID == 0)
        #expect(halfway.hints == [
            "urgency": .byte(1), "category": .string("x-trainbell.progress"),
            "desktop-entry": .string("org.gnome.Terminal"), "suppress-sound": .boolean(true),
            "value": .int32(60), "x-canonical-private-synchronous": .string("run-42"),
            "x-dunst-stack-tag": .string("run-42"), "x-trainbell-job": .string("run-42"),
        ])

        // dunst has body-markup: the body is escaped; warnings never replace anything.
        #expect(warning.body == "learning rate &lt;high&gt; &amp; rising")
        #expect(warning.replacesID == 0)
        #expect(warning.hints["urgency"] == .byte(1))
        #expect(warning.hints["category"] == .string("x-trainbell.warning"))
        #expect(warning.hints["x-dunst-stack-tag"] == nil)

        #expect(error.body == "CUDA out of memory. Tried to allocate 2.00 GiB")
        #expect(error.actions == ["details", "View Details", "retry", "Retry"])
        #expect(error.expireTimeout == 0)                     // critical never expires
        #expect(error.hints["urgency"] == .byte(2))
        #expect(error.hints["sound-name"] == .string("dialog-error"))
        #expect(error.hints["category"] == .string("x-trainbell.error"))
        #expect(error.hints["x-dunst-stack-tag"] == nil)      // errors never replace each other
        #expect(error.replacesID == 0)

        // The job's progress replaces itself in place, completion included.
        #expect(seventyFive.replacesID == halfway.returnedID)
        #expect(seventyFive.hints["value"] == .int32(80))
        #expect(done.replacesID == seventyFive.returnedID)
        #expect(done.body == "Llama fine-tune finished after 1000 steps.")
        #expect(done.hints["sound-name"] == .string("complete"))
        #expect(done.hints["value"] == .int32(100))
        #expect(done.hints["category"] == .string("x-trainbell.completion"))

        // History: every record, oldest first, with its delivery facts.
        let history = try client.history("run-42")
        #expect(history.map { $0["type"]?.stringValue } == ["progress", "warning", "error", "progress", "completion"])
        #expect(history.map { $0["delivery"]?.stringValue } == ["shown", "shown", "shown", "shown", "shown"])
        #expect(history[0]["milestone"] == .int32(50))
        #expect(history[2]["urgency"] == .string("critical"))
        #expect(history[2]["actions"] == .array(.string, [.string("View Details"), .string("Retry")]))
        #expect(history[2]["respect_dnd"] == .boolean(false))
        #expect(history[2]["server_id"] == .uint32(error.returnedID ?? 0))
        #expect(history.allSatisfy { $0["sound"] != nil && $0["timestamp"] != nil && $0["id"] != nil })

        // CompleteJob after 100 % was notified: no duplicate.
        #expect(try client.api.completeJob("run-42", message: "early stop") == 0)
        let state = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("State")],
                                    interface: .properties, path: "/org/trainbell/TrainBell1/job/run_2d42")
        #expect(state == [.variant(.string("completed"))])
        #expect(session.recorder.notifies.count == 5)

        // NotificationEmitted carried every decision.
        let emitted = client.emitted(count: 5)
        #expect(emitted.filter { $0["job_id"] == .string("run-42") }.count >= 5)
    }

    @Test func identicalErrorsCollapseIntoOneWithACount() throws {
        let session = try DunstSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        _ = try client.startJob("j", total: 10)
        func reportTheError() throws { _ = try client.api.reportError("j", message: "NCCL error", type: "cuda_error") }
        try reportTheError()
        _ = session.recorder.waitForNotifies(count: 1)
        try reportTheError()
        try reportTheError()
        let calls = session.recorder.waitForNotifies(count: 3)
        #expect(calls.map(\.summary) == ["Training Error", "Training Error (×2)", "Training Error (×3)"])
        #expect(calls[1].replacesID == calls[0].returnedID && calls[2].replacesID == calls[0].returnedID)
        #expect(try client.history("j").map { $0["delivery"]?.stringValue } == ["shown", "rate-limited", "rate-limited"])
        // A different error is its own notification.
        try client.api.reportError("j", message: "CUBLAS_STATUS_ALLOC_FAILED", type: "cuda_error")
        let after = session.recorder.waitForNotifies(count: 4)
        #expect(after.last?.replacesID == 0)
    }

    @Test func longMessagesAreShortenedForTheBubbleAndKeptWhole() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus, configuration: .init(capabilities: ["actions", "body"]))
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = client.loop.run(until: { false }, timeout: 0.2)
        let traceback = (1...40).map { "  File \"train.py\", line \($0), in step <module>" }.joined(separator: "\n")
        try client.api.reportError("big", message: traceback, type: "training_error", urgency: "high")
        let call = try #require(server.waitForNotifies(count: 1).first)
        #expect(call.body.count <= 300)
        #expect(call.body.split(separator: "\n").count <= 5)
        #expect(call.body.hasSuffix("…"))
        #expect(call.body.contains("<module>"))   // no body-markup: not escaped
        #expect(call.hints["urgency"] == .byte(2))
        #expect(try client.history("big").first?["message"] == .string(traceback))
    }
}

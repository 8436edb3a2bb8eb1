import Testing
import TrainBellCore

/// What each server is sent, where some break (DESIGN.md section 9).
@Suite struct NotificationServerQuirksTests {
    static let builder = NotificationRequestBuilder()
    static let progress = NotificationEvent(type: .progress, title: "Training Halfway There!", message: "step 50 of 100",
                                            milestone: 50, taskbarProgress: 0.5)

    static func progressRequest(for server: String, replacing id: UInt32) -> NotificationRequest {
        let quirks = NotificationServerQuirks(serverName: server)
        return quirks.safe(builder.request(for: progress, jobID: "run", appID: nil, icon: nil, replacesID: id,
                                           bodyMarkup: true, quirks: quirks))
    }

    /// mako 1.7.1 segfaulted on the second progress bubble of a job: a notification that replaces
    /// itself and carries a stacking tag. It gets the tags alone, and replaces by them.
    @Test func makoNeverGetsAReplacedIDTogetherWithATag() {
        let request = Self.progressRequest(for: "mako", replacing: 7)
        #expect(request.replacesID == 0)
        #expect(request.hint("x-dunst-stack-tag") == .string("run"))
        #expect(request.hint("x-canonical-private-synchronous") == .string("run"))
        #expect(request.hint("value") == .int32(50))
    }

    /// A caller's own `Send` to mako with both gets the same protection: trainbell never crashes a server.
    @Test(arguments: ["x-dunst-stack-tag", "x-canonical-private-synchronous"])
    func aCallersRequestWithATagAndAnIDIsMadeSafeForMako(tag: String) {
        let request = NotificationRequest(appName: "a", replacesID: 3, summary: "s", hints: [(tag, .string("t"))])
        #expect(NotificationServerQuirks(serverName: "mako").safe(request).replacesID == 0)
        let untagged = NotificationRequest(appName: "a", replacesID: 3, summary: "s")
        #expect(NotificationServerQuirks(serverName: "mako").safe(untagged).replacesID == 3)
    }

    /// xfce4-notifyd 0.7.3 drew every milestone as a bare gauge without its text.
    @Test func xfceNotifydGetsNoValueHintSoItDrawsTheText() {
        let request = Self.progressRequest(for: "Xfce Notify Daemon", replacing: 7)
        #expect(request.hint("value") == nil)
        #expect(request.replacesID == 7)
        #expect(request.summary == "Training Halfway There!")
    }

    @Test(arguments: ["dunst", "SwayNotificationCenter", "gnome-shell", "Plasma", "notify-osd"])
    func otherServersGetBothReplacingMechanismsAndTheBar(server: String) {
        let request = Self.progressRequest(for: server, replacing: 7)
        #expect(request.replacesID == 7)
        #expect(request.hint("x-dunst-stack-tag") == .string("run"))
        #expect(request.hint("value") == .int32(50))
    }
}

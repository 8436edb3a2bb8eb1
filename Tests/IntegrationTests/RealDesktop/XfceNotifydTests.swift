import BusTestSupport
import DBus
import Foundation
import Testing

/// What the real xfce4-notifyd 0.7.3 draws for trainbell, measured on the X display (`xwininfo`): a
/// bubble's window, not only the `Notify` call that asked for it.
@Suite(.serialized) struct XfceNotifydTests {
    /// A bubble as drawn for `notify-send ARGUMENTS`: shown alone, measured, then closed.
    static func drawn(by arguments: [String], in session: XfceNotifydSession) throws -> X11Window {
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let sent = try runCommand(notifySend, ["-p"] + arguments, environment: session.clientEnvironment)
        try #require(sent.status == 0, "notify-send \(arguments) failed: \(sent.stderr)")
        let id = try #require(UInt32(sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "notify-send printed \(sent.stdout)")
        let bubble = try #require(try session.waitForSingleBubble(), "no bubble for notify-send \(arguments); xfce4-notifyd:\n\(session.log)")
        try #require(try session.close(id), "the bubble of notify-send \(arguments) stayed after CloseNotification")
        return bubble
    }

    /// The two references every measurement compares to, on the same display and fonts.
    struct References {
        /// `notify-send T B`: a bubble with a summary and a body line.
        let text: X11Window
        /// `notify-send T B -h int:value:30`: what xfce4-notifyd 0.7.3 draws instead when there is a `value`.
        let gauge: X11Window

        init(_ session: XfceNotifydSession) throws {
            text = try XfceNotifydTests.drawn(by: ["T", "B"], in: session)
            gauge = try XfceNotifydTests.drawn(by: ["T", "B", "-h", "int:value:30"], in: session)
        }

        /// Whether `bubble` is drawn as a bubble with text: at least as tall as `T B` (two lines of text),
        /// and not the gauge's shape.
        func showsText(_ bubble: X11Window) -> Bool {
            bubble.frame.height >= text.frame.height && bubble.frame.height > gauge.frame.height
        }

        func explain(_ bubble: X11Window) -> String {
            "drawn \(bubble.frame.width)×\(bubble.frame.height); notify-send T B draws \(text.frame.width)×\(text.frame.height), "
                + "with a value hint a bare gauge of \(gauge.frame.width)×\(gauge.frame.height)"
        }
    }

    /// The measuring itself: a bubble with text and xfce4-notifyd's gauge are told apart, and the gauge is
    /// the bare bar of DESIGN.md section 9 (180×32 on Debian 12, no summary, no body).
    @Test func theMeasureTellsABubbleWithTextFromABareGauge() throws {
        let session = try XfceNotifydSession()
        defer { session.stop() }
        let references = try References(session)
        #expect(references.gauge.frame.width == 180 && references.gauge.frame.height == 32, "\(references.gauge)")
        #expect(references.text.frame.height > references.gauge.frame.height, "\(references.text) \(references.gauge)")
        #expect(references.showsText(references.text))
        #expect(!references.showsText(references.gauge))
        // A longer text draws a wider bubble, and the value hint alone makes the gauge whatever the text.
        let long = try Self.drawn(by: ["Training 25% Complete", "run: step 25 of 100"], in: session)
        #expect(references.showsText(long) && long.frame.width > references.text.frame.width, "\(long)")
        let longGauge = try Self.drawn(by: ["Training 25% Complete", "run: step 25 of 100", "-h", "int:value:25"], in: session)
        #expect(longGauge.frame.width == references.gauge.frame.width && longGauge.frame.height == references.gauge.frame.height,
                "\(longGauge)")
    }

    /// Issue 18, defect 5: every milestone and the completion were sent with a `value` hint, so
    /// xfce4-notifyd drew each as a bare gauge with no text.
    @Test func xfceMilestoneBubblesShowTheirText() throws {
        let session = try XfceNotifydSession()
        defer { session.stop() }
        let references = try References(session)
        let daemon = try DaemonProcess(bus: session.bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        let daemonName = try #require(client.connection.nameOwner(DaemonProcess.busName))
        _ = try client.startJob("run", total: 100)

        for (step, summary) in [(UInt64(25), "Training 25% Complete"), (100, "Training Complete! 🎉")] {
            try client.progress("run", step)
            let sent = session.recorder.wait(timeout: 10) { events in
                events.contains { $0.notifyCall?.sender == daemonName && $0.notifyCall?.summary == summary && $0.notifyCall?.returnedID != nil }
            }
            let call = try #require(session.recorder.notifies.last { $0.sender == daemonName && $0.summary == summary },
                                    "trainbelld sent no \"\(summary)\"; its log:\n\(daemon.log)")
            try #require(sent, "xfce4-notifyd did not answer \(call)")
            let bubble = try #require(try session.waitForSingleBubble(), "no bubble drawn for \"\(summary)\"; xfce4-notifyd:\n\(session.log)")
            if !references.showsText(bubble) {
                let shot = try Screenshot.ofX11Root(display: session.display.display)
                Issue.record("""
                    "\(summary)" has no text on the screen: \(references.explain(bubble)). \
                    Hints sent: \(call.hints.keys.sorted()). Screenshot: \(shot.keep(as: "xfce-\(step)"))
                    """)
            }
            try #require(try session.close(try #require(call.returnedID)))
        }
    }
}

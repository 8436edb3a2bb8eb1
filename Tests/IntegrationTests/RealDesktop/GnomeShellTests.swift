import BusTestSupport
import DBus
import Foundation
import Testing

/// trainbelld with the real GNOME Shell 43 (headless, `GnomeShellSession`): the server it detects, the
/// Do Not Disturb it follows (GSettings `show-banners`, set with the real `gsettings`), what the shell
/// received, what it drew (its own screenshots), and a user's click on a banner's buttons.
@Suite(.serialized) struct GnomeShellTests {
    static let errorActions = ["details", "View Details", "retry", "Retry"]

    /// `gsettings set org.gnome.desktop.notifications show-banners false` (DND on) or `reset` (off), in the
    /// shell's own settings.
    static func showBanners(_ on: Bool, in session: GnomeShellSession) throws {
        let gsettings = try requireTool("gsettings", package: "libglib2.0-bin")
        let arguments = on ? ["reset", "org.gnome.desktop.notifications", "show-banners"]
            : ["set", "org.gnome.desktop.notifications", "show-banners", "false"]
        let result = try runCommand(gsettings, arguments, environment: session.clientEnvironment)
        #expect(result.status == 0, "gsettings \(arguments): \(result.stderr)")
    }

    /// The screen shows one thing, `banner`: nothing else is drawn outside it but its shadow.
    static func expectOnlyBanner(_ banner: ScreenRect, on shot: Screenshot, name: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let drawn = GnomeShellSession.drawn(on: shot)
        let shadow = 20
        let alone = drawn.map {
            $0.x >= banner.x - shadow && $0.y >= banner.y - shadow && $0.maxX <= banner.maxX + shadow && $0.maxY <= banner.maxY + shadow
        } ?? false
        let centred = abs(banner.midX - GnomeShellSession.width / 2) <= 8
        if !alone || !centred {
            Issue.record("expected one centred banner, got banner \(banner) within \(drawn.map(\.description) ?? "nothing"): \(shot.keep(as: name))",
                         sourceLocation: sourceLocation)
        }
    }

    @Test func realGnomeShellIsDetectedAndItsShowBannersIsFollowedLive() throws {
        let session = try GnomeShellSession()
        defer { session.stop() }
        let daemon = try DaemonProcess(bus: session.bus, environment: session.settingsEnvironment)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        let daemonName = try #require(client.connection.nameOwner(DaemonProcess.busName))
        // The daemon asks the server who it is once it sees it on the bus.
        let server = {
            (try? client.call("Get", [.string(DaemonProcess.interface.rawValue), .string("NotificationServer")],
                              interface: .properties))?.first?.unwrapped
        }
        #expect(client.loop.run(until: { server() == .string("gnome-shell") }, timeout: 10), "\(String(describing: server()))")
        let sent = { session.recorder.notifies.filter { $0.sender == daemonName } }

        try DoNotDisturbScenario(bus: session.bus, daemon: daemon, source: "gnome", errorDelivery: "shown",
                                 notifies: sent).run(flip: { on in try Self.showBanners(!on, in: session) }, duringDoNotDisturb: {
            // What trainbelld sent, and what the notification service handed to the shell.
            let error = try #require(sent().last)
            #expect(error.actions == Self.errorActions)
            let received = try #require(session.waitUntilShellReceived(count: 1).first, "the shell received nothing")
            #expect(received.summary == "Training Error" && received.body == error.body)
            #expect(received.urgency == 2 && received.actions == Self.errorActions, "\(received)")
            // What the user sees during Do Not Disturb: the error's banner, and nothing of what was held.
            let shown = try session.waitForBanner()
            let banner = try #require(shown.banner, "no banner: \(shown.shot.keep(as: "gnome-dnd-error")); log:\n\(session.log)")
            Self.expectOnlyBanner(banner, on: shown.shot, name: "gnome-dnd-error")
        })
        #expect(session.waitUntilShellReceived(count: 2).map(\.summary) == ["Training Error", "While you were away"])
        // Both changes were announced on the daemon's properties (after an "off" when it found the
        // shell's setting at start).
        let announced = {
            client.signals.filter { $0.member == "PropertiesChanged" }.compactMap {
                (try? $0.arguments())?[1].stringKeyedEntries?["DoNotDisturb"]?.unwrapped
            }
        }
        let onThenOff = { Array(announced().drop { $0 == .boolean(false) }) == [.boolean(true), .boolean(false)] }
        #expect(client.loop.run(until: onThenOff, timeout: 5), "\(announced())")
    }

    /// A click on a banner's button, on the real shell: Retry runs the configured retry command, View
    /// Details the details command with the file holding the full error text; both reach the trainer as
    /// `ActionInvoked`, and the banner goes.
    @Test func clickingTheButtonsOfAGnomeBannerRunsTheirActions() throws {
        let touch = try requireTool("touch", package: "coreutils")
        let session = try GnomeShellSession()
        defer { session.stop() }
        let scratch = try TemporaryDirectory("trainbell-actions")
        let config = scratch.path + "/config"
        try """
            [actions]
            retry=\(touch) \(scratch.path)/retried-{job}
            details=\(touch) {file}.viewed

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(bus: session.bus, arguments: ["--config", config], environment: session.settingsEnvironment)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)

        // The two buttons share the banner's bottom row: View Details on the left, Retry on the right.
        for (index, (action, button)) in [("retry", 3), ("details", 1)].enumerated() {
            try client.api.reportError("run", message: "CUDA error \(index): an illegal memory access", type: "cuda_error")
            let shown = try session.waitForBanner()
            let banner = try #require(shown.banner, "no banner: \(shown.shot.keep(as: "gnome-\(action)")); log:\n\(session.log)")
            Self.expectOnlyBanner(banner, on: shown.shot, name: "gnome-\(action)")
            try session.click(x: banner.x + banner.width * button / 4, y: banner.maxY - 16)
            let invoked = client.signals("ActionInvoked", count: index + 1)
            #expect(try invoked.last?.arguments() == [.string("run"), .string(action)],
                    "clicked at the \(action) button of \(banner): \(shown.shot.keep(as: "gnome-click-\(action)"))")
            #expect(try session.waitUntilNothingIsDrawn(), "the banner stayed after the click")
        }
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/retried-run"), "retry did not run; log:\n\(daemon.log)")
        let details = try FileManager.default.subpathsOfDirectory(atPath: daemon.stateDirectory).filter { $0.hasSuffix(".viewed") }
        #expect(details.count == 1, "details did not run on the error's file; log:\n\(daemon.log)")
        // Each click twice on the bus: the shell's signal, and its notification service's to trainbelld.
        let clicked = session.recorder.events.compactMap { if case .actionInvoked(_, let key) = $0 { key } else { nil } }
        #expect(clicked == ["retry", "retry", "details", "details"], "\(session.recorder.events)")
    }
}

import BusTestSupport
import DBus
import Foundation
import Testing

/// The real Plank 0.11 as the LauncherEntry consumer: what trainbelld's `Update` signals make it draw on
/// the docked app's icon, read from the screen (Plank tells nobody what it drew).
@Suite(.serialized) struct PlankTests {
    /// Waits until the icon's progress bar is `expected` full (± 0.08: the bar is 37 pixels long) and,
    /// when asked, a count badge is or is not drawn.
    static func expectBar(_ expected: Double, badge: Bool, on dock: PlankDock, plain: Screenshot, name: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (shot, matched) = try dock.waitForPicture { shot in
            guard let bar = PlankDock.progressBar(on: shot, comparedWith: plain) else { return false }
            return abs(bar.fill - expected) < 0.08 && (PlankDock.badgePixels(on: shot) > 50) == badge
        }
        if !matched {
            let bar = PlankDock.progressBar(on: shot, comparedWith: plain)
            Issue.record("""
                expected a bar \(Int(expected * 100)) % full\(badge ? " and a count badge" : ", no badge"); \
                drawn: \(bar.map { "bar \($0.frame), \(Int($0.fill * 100)) % full" } ?? "no bar"), \
                \(PlankDock.badgePixels(on: shot)) badge pixels: \(shot.keep(as: name))
                """, sourceLocation: sourceLocation)
        }
    }

    @Test func plankDrawsTheProgressAndCountOfAnAppsJobsOnItsIcon() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let display = try VirtualDisplay()
        defer { display.stop() }
        let dock = try PlankDock(bus: bus, display: display)
        defer { dock.stop() }
        let plain = try dock.picture()
        #expect(PlankDock.badgePixels(on: plain) == 0)
        let daemon = try DaemonProcess(bus: bus, environment: dock.dataEnvironment)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)

        _ = try client.startJob("run", total: 100, options: [("app-id", .string(dock.appID))])
        try client.progress("run", 30)
        try Self.expectBar(0.3, badge: false, on: dock, plain: plain, name: "plank-30")
        try client.progress("run", 80)
        try Self.expectBar(0.8, badge: false, on: dock, plain: plain, name: "plank-80")
        // Two jobs of the app: the mean of their progress, and a badge with their count.
        _ = try client.startJob("other", total: 100, options: [("app-id", .string(dock.appID + ".desktop"))])
        try Self.expectBar(0.4, badge: true, on: dock, plain: plain, name: "plank-two-jobs")

        // Both cancelled: the icon is as it was.
        try client.api.cancelJob("run")
        try client.api.cancelJob("other")
        let (shot, clear) = try dock.waitForPicture { $0.difference(from: plain) == nil }
        #expect(clear, "the icon still differs at \(shot.difference(from: plain).map(\.description) ?? "-"): \(shot.keep(as: "plank-cancelled"))")
    }
}

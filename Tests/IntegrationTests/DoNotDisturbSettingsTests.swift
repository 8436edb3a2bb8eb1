import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// The daemon follows the desktop's Do Not Disturb in real GSettings (keyfile backend, the real
/// schemas from Debian), set with the real `gsettings` while it runs, for the desktops whose
/// notification server cannot run here (Cinnamon, MATE: a stand-in server takes its name). GNOME runs
/// for real: `GnomeShellTests`.
@Suite(.serialized) struct DoNotDisturbSettingsTests {
    struct Desktop: Sendable, CustomStringConvertible {
        let name: String            // XDG_CURRENT_DESKTOP
        let server: String          // GetServerInformation name of its notification server
        let source: String          // GetDoNotDisturb's source
        let schema: String
        let key: String
        let dndValue: String
        let package: String
        let holdsUrgent: Bool
        var description: String { name }
    }

    static let desktops = [
        Desktop(name: "X-Cinnamon", server: "cinnamon", source: "cinnamon", schema: "org.cinnamon.desktop.notifications",
                key: "display-notifications", dndValue: "false", package: "cinnamon-desktop-data", holdsUrgent: true),
        Desktop(name: "MATE", server: "Notification Daemon", source: "mate", schema: "org.mate.NotificationDaemon", key: "do-not-disturb",
                dndValue: "true", package: "mate-notification-daemon-common", holdsUrgent: true),
    ]

    @Test(arguments: desktops)
    func aChangeInGSettingsIsPickedUpWhileTheDaemonRuns(_ desktop: Desktop) throws {
        let gsettings = try requireTool("gsettings", package: "libglib2.0-bin")
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus, configuration: .init(name: desktop.server))
        defer { server.stop() }
        let settingsHome = try TemporaryDirectory("trainbell-gsettings")
        let env = ["GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": settingsHome.path, "XDG_CURRENT_DESKTOP": desktop.name]
        let schemas = try runCommand(gsettings, ["list-schemas"], environment: env)
        try #require(schemas.stdout.split(separator: "\n").contains(Substring(desktop.schema)),
                     "the schema \(desktop.schema) is not installed: install the Debian package '\(desktop.package)'")
        let daemon = try DaemonProcess(bus: bus, environment: env)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        #expect(try client.api.doNotDisturb() == DoNotDisturbReply(active: false, source: desktop.source))

        _ = try client.startJob("run", total: 100)
        #expect(try runCommand(gsettings, ["set", desktop.schema, desktop.key, desktop.dndValue], environment: env).status == 0)
        let changed = client.loop.run(until: {
            client.signals.contains {
                $0.member == "PropertiesChanged"
                    && (try? $0.arguments())?[1].stringKeyedEntries?["DoNotDisturb"]?.unwrapped == .boolean(true)
            }
        }, timeout: 10)
        #expect(changed, "the daemon did not announce DoNotDisturb; log:\n\(daemon.log)")
        #expect(try client.api.doNotDisturb().active)

        try client.progress("run", 30)
        try client.api.reportError("run", message: "CUDA error: an illegal memory access", type: "cuda_error")
        try client.progress("run", 60)
        let whileQuiet = server.waitForNotifies(count: 1)
        #expect(whileQuiet.map(\.summary) == ["Training Error"])
        #expect(whileQuiet.first?.hints["urgency"] == .byte(2))
        let history = try client.history("run")
        #expect(history.map { $0["delivery"]?.stringValue } == [
            "suppressed-dnd", desktop.holdsUrgent ? "held-by-server" : "shown", "suppressed-dnd",
        ])

        #expect(try runCommand(gsettings, ["reset", desktop.schema, desktop.key], environment: env).status == 0)
        let after = server.waitForNotifies(count: 2)
        #expect(after.last?.summary == "While you were away")
        #expect(after.last?.body == "run: reached 50 %")
        #expect(try client.api.doNotDisturb().active == false)
        #expect(!server.wait(timeout: 0.3) { $0.compactMap(\.notifyCall).count > 2 })
    }
}

extension DoNotDisturbSettingsTests.Desktop: Equatable {
    static func == (a: Self, b: Self) -> Bool { a.name == b.name }
}

import BusTestSupport
import DBus
import DBusGLib
import Foundation
import Logging
import Testing
import TrainBellDesktop

/// The GNOME, Cinnamon and MATE sources against their real schemas on the keyfile backend, changed by
/// the real `gsettings` tool while the main loop runs. Serialized: they share the process's GSettings
/// backend and its default main context, the one the daemon runs.
@Suite(.serialized) struct GSettingsDoNotDisturbTests {
    static let desktops: [(DoNotDisturbSetting, String)] = [
        (.gnome, "gsettings-desktop-schemas"),
        (.cinnamon, "cinnamon-desktop-data"),
        (.mate, "mate-notification-daemon-common"),
    ]

    @Test(arguments: desktops)
    func gsettingsSetWhileTheLoopRunsIsPickedUpFromTheChangeSignal(setting: DoNotDisturbSetting, package: String) throws {
        let keyfile = try KeyfileSettings.shared.get()
        try keyfile.require(setting, package: package)
        try keyfile.reset(setting)
        let loop = MainLoop.default
        let source = GSettingsDoNotDisturb(setting, log: CapturedLog().logger(level: .debug))
        var changes = 0
        source.start { changes += 1 }
        defer { source.stop() }

        let initial = try keyfile.get(setting) == setting.activeValue
        #expect(source.isActive == initial)

        try keyfile.set(setting, initial ? !setting.activeValue : setting.activeValue)
        #expect(loop.wait { source.isActive == !initial }, "\(setting.name): isActive stayed \(String(describing: source.isActive))")
        #expect(changes == 1)

        // A source started now reads the changed state at once.
        let late = GSettingsDoNotDisturb(setting, log: CapturedLog().logger(level: .debug))
        late.start {}
        #expect(late.isActive == !initial)
        late.stop()

        try keyfile.set(setting, initial ? setting.activeValue : !setting.activeValue)
        #expect(loop.wait { source.isActive == initial }, "\(setting.name): isActive stayed \(String(describing: source.isActive))")
        #expect(changes == 2)
    }

    @Test(arguments: desktops)
    func isAvailableWhenTheSchemaIsInstalled(setting: DoNotDisturbSetting, package: String) throws {
        #expect(GSettingsDoNotDisturb.isAvailable(setting), "install the Debian package '\(package)'")
    }

    @Test func namesAndWhetherTheServerHoldsUrgentNotifications() {
        let log = CapturedLog().logger(level: .debug)
        let sources = [DoNotDisturbSetting.gnome, .cinnamon, .mate].map { GSettingsDoNotDisturb($0, log: log) }
        #expect(sources.map(\.name) == ["gnome", "cinnamon", "mate"])
        #expect(sources.map(\.holdsUrgentNotifications) == [false, true, true])
    }

    @Test func aSchemaThatIsNotInstalledReadsAsUnknownAndIsLoggedOnceInsteadOfAborting() throws {
        _ = try KeyfileSettings.shared.get()
        let nothing = DoNotDisturbSetting(name: "nothing", schema: "org.example.nothing", key: "do-not-disturb",
                                          activeValue: true, holdsUrgentNotifications: false)
        #expect(!GSettingsDoNotDisturb.isAvailable(nothing))
        let log = CapturedLog()
        let source = GSettingsDoNotDisturb(nothing, log: log.logger(level: .debug))
        source.start { Issue.record("onChange without a schema") }
        #expect(source.isActive == nil)
        source.refresh()
        source.stop()
        source.start { Issue.record("onChange without a schema") }
        source.refresh()
        #expect(source.isActive == nil)
        source.stop()
        #expect(log.snapshot.map(\.level) == [.debug])
        #expect(log.snapshot.first?.message.contains("org.example.nothing") == true)
    }

    @Test(arguments: [("no-such-key", "a key the schema does not have"), ("application-children", "a key that is not boolean")])
    func anInstalledSchemaWithoutTheBooleanKeyReadsAsUnknown(key: String, what: String) throws {
        try KeyfileSettings.shared.get().require(.gnome, package: "gsettings-desktop-schemas")
        let setting = DoNotDisturbSetting(name: "gnome", schema: "org.gnome.desktop.notifications", key: key,
                                          activeValue: false, holdsUrgentNotifications: false)
        #expect(!GSettingsDoNotDisturb.isAvailable(setting), "\(what)")
        let source = GSettingsDoNotDisturb(setting, log: CapturedLog().logger(level: .debug))
        source.start {}
        #expect(source.isActive == nil, "\(what)")
        source.stop()
    }
}

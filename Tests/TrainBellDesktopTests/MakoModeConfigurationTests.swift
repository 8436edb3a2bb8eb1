import Testing
@testable import TrainBellDesktop

/// Whether mako's configuration hides trainbell's errors (critical) in its do-not-disturb mode.
@Suite struct MakoModeConfigurationTests {
    @Test(arguments: [
        // mako's documentation's own example: everything hidden.
        ("[mode=do-not-disturb]\ninvisible=1\n", true),
        ("[mode=do-not-disturb]\ninvisible = true\n", true),
        // No section, or one that hides nothing: the mode is only a name.
        ("", false),
        ("font=monospace 10\n[urgency=low]\nborder-color=#aaa\n", false),
        ("[mode=do-not-disturb]\nbackground-color=#000\n", false),
        // Critical ones shown again after the section that hides everything.
        ("[mode=do-not-disturb]\ninvisible=1\n[mode=do-not-disturb urgency=critical]\ninvisible=0\n", false),
        // Only low urgency hidden: errors go out at critical.
        ("[mode=do-not-disturb urgency=low]\ninvisible=1\n", false),
        // A section that may or may not match cannot hide them for sure, but may show them again.
        ("[mode=do-not-disturb app-name=trainbell]\ninvisible=1\n", false),
        ("[mode=do-not-disturb]\ninvisible=1\n[app-name=trainbell]\ninvisible=0\n", false),
        // Comments, blank lines and CRLF.
        ("# quiet\r\n\r\n[mode=do-not-disturb]\r\ninvisible=1\r\n", true),
        // A later section of another app does not undo it.
        ("[mode=do-not-disturb]\ninvisible=1\n[app-name=firefox]\nborder-size=4\n", true),
    ])
    func hidesCriticalNotifications(configuration: String, hidden: Bool) {
        #expect(MakoModeConfiguration.hidesCriticalNotificationsInDoNotDisturb(configuration: configuration) == hidden)
    }

    /// mako reads `~/.mako/config`, else `$XDG_CONFIG_HOME/mako/config` (`~/.config` by default).
    @Test func findsTheFileWhereMakoLooks() {
        let both: Set<String> = ["/h/.mako/config", "/x/mako/config"]
        #expect(MakoModeConfiguration.path(environment: ["HOME": "/h", "XDG_CONFIG_HOME": "/x"], exists: both.contains) == "/h/.mako/config")
        #expect(MakoModeConfiguration.path(environment: ["HOME": "/h", "XDG_CONFIG_HOME": "/x"], exists: { $0 == "/x/mako/config" }) == "/x/mako/config")
        #expect(MakoModeConfiguration.path(environment: ["HOME": "/h"], exists: { $0 == "/h/.config/mako/config" }) == "/h/.config/mako/config")
        #expect(MakoModeConfiguration.path(environment: ["HOME": "/h"], exists: { _ in false }) == nil)
        #expect(MakoModeConfiguration.path(environment: [:], exists: { _ in true }) == nil)
    }
}

import Testing
import TrainBellDesktop

/// Desktop entry ids from systemd unit names, on names seen in the field.
@Suite struct AppUnitNameTests {
    /// (unit, candidates most likely first, where the name was seen).
    static let table: [(String, [String], String)] = [
        // gnome-desktop gnome-systemd.c: "app-gnome-%s-%d.scope", id escaped.
        (
            "app-gnome-org.gnome.Epiphany-182352.scope", ["org.gnome.Epiphany", "gnome-org.gnome.Epiphany"],
            "xdg-desktop-portal tests/test-xdp-utils.c"
        ),
        (
            "app-gnome-org.gnome.Evolution\\x2dalarm\\x2dnotify-2437.scope",
            ["org.gnome.Evolution-alarm-notify", "gnome-org.gnome.Evolution-alarm-notify"], "xdg-desktop-portal tests"
        ),
        ("app-gnome-kitty-3842.scope", ["kitty", "gnome-kitty"], "gsauthof/cgmemtime#5"),
        ("app-gnome-code-48213.scope", ["code", "gnome-code"], "gnome-desktop format, VS Code's code.desktop"),
        ("app-gnome-google\\x2dchrome-5120.scope", ["google-chrome", "gnome-google-chrome"], "gnome-desktop escaping"),
        // KDE KIO: "app-%1-%2.scope" (uuid, 32 hex) and "app-%1@%2.service".
        ("app-org.kde.konsole-41769.scope", ["org.kde.konsole"], "systemd/systemd#35067 (Konsole's own scope)"),
        ("app-org.kde.konsole-7e1f0c2a9b8d4e6f8a1b2c3d4e5f6a7b.scope", ["org.kde.konsole"], "KIO ScopedProcessRunner"),
        ("app-code-3f2a1b0c9d8e4f7a6b5c4d3e2f1a0b9c.scope", ["code"], "KIO ScopedProcessRunner, VS Code"),
        ("app-code@3f2a1b0c9d8e4f7a6b5c4d3e2f1a0b9c.service", ["code"], "KIO SystemdProcessRunner"),
        ("app-sublime_merge-4209712a89fc4745a6d99409acf49c82.scope", ["sublime_merge"], "sublimehq/sublime_text#5544"),
        ("app-KDE-org.kde.okular@12345.service", ["org.kde.okular", "KDE-org.kde.okular"], "systemd docs, xdp tests"),
        ("app-org.kde.amarok.service", ["org.kde.amarok"], "systemd DESKTOP_ENVIRONMENTS.md"),
        ("app-com.obsproject.Studio-d70acc38b5154a3a8b4a60accc4b15f4.scope", ["com.obsproject.Studio"], "xdp tests"),
        // Flatpak: app-flatpak-<id>-<pid>.scope.
        (
            "app-flatpak-org.mozilla.firefox-12345.scope", ["org.mozilla.firefox", "flatpak-org.mozilla.firefox"],
            "flatpak/flatpak#3589, #4869"
        ),
        (
            "app-flatpak-app.devsuite.Ptyxis-828795.scope", ["app.devsuite.Ptyxis", "flatpak-app.devsuite.Ptyxis"],
            "wezterm/wezterm#6959"
        ),
        // Slices a terminal keeps its tabs in; the old "apps-" prefix.
        ("app-org.gnome.Terminal.slice", ["org.gnome.Terminal"], "systemd/systemd#35067"),
        ("apps-org.gnome.Terminal.slice", ["org.gnome.Terminal"], "xdg-desktop-portal tests (cgroup v1)"),
        (
            "app-gnome-org.gnome.Terminal-92502.slice",
            [
                "org.gnome.Terminal", "gnome-org.gnome.Terminal", "org.gnome.Terminal-92502",
                "gnome-org.gnome.Terminal-92502",
            ],
            "xdp tests"
        ),
        // Autostart, other launchers, unescaped names.
        (
            "app-gnome-org.gnome.SettingsDaemon.DiskUtilityNotify-autostart.service",
            [
                "org.gnome.SettingsDaemon.DiskUtilityNotify", "gnome-org.gnome.SettingsDaemon.DiskUtilityNotify",
                "org.gnome.SettingsDaemon.DiskUtilityNotify-autostart",
                "gnome-org.gnome.SettingsDaemon.DiskUtilityNotify-autostart",
            ],
            "xdp tests"
        ),
        ("app-at\\x2dspi\\x2ddbus\\x2dbus@autostart.service", ["at-spi-dbus-bus"], "pop-os/cosmic-app-library#242"),
        (
            "app-cosmic-com.system76.CosmicEdit-4376.scope",
            ["com.system76.CosmicEdit", "cosmic-com.system76.CosmicEdit"],
            "pop-os/cosmic-app-library#242"
        ),
        (
            "app-rofi-easyeffects-19676.service",
            ["easyeffects", "rofi-easyeffects", "easyeffects-19676", "rofi-easyeffects-19676"],
            "flatpak/xdg-desktop-portal-gtk#504"
        ),
        ("app-com.google.Chrome-4242.scope", ["com.google.Chrome"], "Chromium components/dbus/xdg/systemd.cc"),
        ("app-claude-desktop-31337.scope", ["desktop", "claude-desktop"], "aaddrick/claude-desktop-debian#709"),
        ("app-foo.desktop-12.scope", ["foo"], "a launcher that kept .desktop"),
    ]

    @Test(arguments: table)
    func candidates(unit: String, expected: [String], seenIn: String) {
        #expect(AppUnitName(unit)?.appIDCandidates == expected, "\(unit) (\(seenIn))")
    }

    @Test(arguments: [
        "session-3.scope", "vte-spawn-228ae109-a869-4533-8988-65ea4c10b492.scope", "tab(42253).scope", "app.slice",
        "user@1000.service", "run-rf06cf365f1ed444fa9313bf2c24da800.scope", "tmux-spawn-5b3c.scope", "app-.scope",
        "app-foo", "app--1.scope", "apps.slice", "init.scope", "app-\\x2f-1.scope", "app-\\x2e\\x2e-1.scope",
        "app-\\xff-1.scope",
    ])
    func notAnApp(unit: String) {
        #expect(AppUnitName(unit) == nil)
    }

    @Test(arguments: [
        ("org.gnome.Evolution\\x2dalarm\\x2dnotify", "org.gnome.Evolution-alarm-notify"),
        ("caf\\xc3\\xa9", "café"), ("a\\X2db", "a\\X2db"), ("tail\\x2", "tail\\x2"), ("\\x2D", "-"), ("plain", "plain"),
    ])
    func unescape(escaped: String, expected: String) {
        #expect(AppUnitName.unescape(escaped) == expected)
    }

    @Test func unescapingToBytesThatAreNotUTF8Fails() {
        #expect(AppUnitName.unescape("\\xff") == nil)
    }
}

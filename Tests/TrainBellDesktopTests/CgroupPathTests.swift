import Testing
import TrainBellDesktop

/// `/proc/PID/cgroup` of real sessions and the app they belong to.
@Suite struct CgroupPathTests {
    static let user = "/user.slice/user-1000.slice/user@1000.service"

    /// (cgroup file, first candidate or nil, what it is / where it was seen).
    static let table: [(String, String?, String)] = [
        (
            "0::\(user)/app.slice/app-org.gnome.Terminal.slice/vte-spawn-393df4de-d554-412a-9e2c-d6c9bdaf0a11.scope\n",
            "org.gnome.Terminal", "GNOME Terminal tab (VTE), systemd/systemd#35067"
        ),
        (
            """
            12:pids:\(user)
            11:perf_event:/
            8:memory:\(user)/apps.slice/apps-org.gnome.Terminal.slice/vte-spawn-228ae109-a869-4533-8988-65ea4c10b492.scope
            3:freezer:/snap.portal-test
            1:name=systemd:\(user)/apps.slice/apps-org.gnome.Terminal.slice/vte-spawn-228ae109-a869-4533-8988-65ea4c10b492.scope
            0::\(user)/apps.slice/apps-org.gnome.Terminal.slice/vte-spawn-228ae109-a869-4533-8988-65ea4c10b492.scope

            """, "org.gnome.Terminal", "GNOME Terminal, cgroup v1 hybrid, xdg-desktop-portal tests"
        ),
        (
            "1:name=systemd:\(user)/app.slice/app-gnome-org.gnome.Terminal-4210.scope\n0::/\n",
            "org.gnome.Terminal", "cgroup v1 only (systemd's hierarchy), unified root empty"
        ),
        (
            "0::\(user)/app.slice/app-org.kde.konsole-41769.scope/tab(42253).scope\n",
            "org.kde.konsole", "Konsole tab, systemd/systemd#35067"
        ),
        (
            "0::\(user)/app.slice/app-org.kde.konsole-7e1f0c2a9b8d4e6f8a1b2c3d4e5f6a7b.scope\n",
            "org.kde.konsole", "Konsole started by Plasma (KIO)"
        ),
        ("0::\(user)/app.slice/app-gnome-kitty-3842.scope\n", "kitty", "kitty from GNOME Shell, gsauthof/cgmemtime#5"),
        ("0::\(user)/app.slice/app-kitty-0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a.scope\n", "kitty", "kitty from Plasma (KIO)"),
        ("0::\(user)/app.slice/app-gnome-code-48213.scope\n", "code", "VS Code terminal, VS Code from GNOME Shell"),
        ("0::\(user)/app.slice/app-code-3f2a1b0c9d8e4f7a6b5c4d3e2f1a0b9c.scope\n", "code", "VS Code from Plasma"),
        (
            "0::\(user)/app.slice/app-flatpak-org.mozilla.firefox-12345.scope\n", "org.mozilla.firefox",
            "Flatpak, flatpak/flatpak#4869"
        ),
        (
            "0::\(user)/app.slice/app-flatpak-app.devsuite.Ptyxis-828795.scope\n", "app.devsuite.Ptyxis",
            "Ptyxis (Flatpak terminal), wezterm/wezterm#6959"
        ),
        ("0::/user.slice/user-1000.slice/session-3.scope\n", nil, "ssh login session, gsauthof/cgmemtime#5"),
        ("0::/user.slice/user-1000.slice/session-2.scope\n", nil, "Cinnamon session, linuxmint/cinnamon-desktop#275"),
        (
            "0::\(user)/app.slice/run-rf06cf365f1ed444fa9313bf2c24da800.scope\n", nil,
            "systemd-run --user --scope tmux, systemd/systemd#21297"
        ),
        ("0::\(user)/app.slice/run-p175964-i167519.scope\n", nil, "systemd-run --user --scope, systemd/systemd#42806"),
        (
            "0::\(user)/tmux-spawn-6c1d5a2e-8f4b-4c3a-9e7d-2b1a0f9e8d7c.scope\n", nil,
            "tmux pane scope, anthropics/claude-code#41877"
        ),
        (
            "0::\(user)/app.slice/app-org.gnome.Terminal.slice/vte-spawn-0b7e4f3c-5a1d-4e2b-9c8f-7d6e5a4b3c2d.scope\n",
            "org.gnome.Terminal", "tmux server started in a GNOME Terminal tab keeps that scope"
        ),
        ("0::\(user)/user.slice/podman-6696.scope\n", nil, "podman unshare, containers/crun#376"),
        ("0::/system.slice/ssh.service\n", nil, "a system service"),
        ("0::/system.slice/jupyterhub.service\n", nil, "a system service running notebooks"),
        ("0::/init.scope\n", nil, "PID 1"),
        ("0::/\n", nil, "the root"),
    ]

    @Test(arguments: table)
    func firstCandidate(file: String, expected: String?, what: String) {
        let path = CgroupPath(cgroupFile: file)
        #expect(path != nil, "\(what)")
        #expect(path?.appIDCandidates.first?.appID == expected, "\(what)")
    }

    @Test func candidatesComeFromTheInnermostAppUnitFirst() {
        let path = CgroupPath(path: "\(Self.user)/app.slice/app-graphical.slice/app-Hyprland-kitty@a1b2c3.service")
        #expect(
            path.appIDCandidates == [
                AppIDCandidate(appID: "kitty", source: .cgroup(unit: "app-Hyprland-kitty@a1b2c3.service")),
                AppIDCandidate(appID: "Hyprland-kitty", source: .cgroup(unit: "app-Hyprland-kitty@a1b2c3.service")),
                AppIDCandidate(appID: "graphical", source: .cgroup(unit: "app-graphical.slice")),
            ])
        #expect(path.unitsInnermostFirst.first == "app-Hyprland-kitty@a1b2c3.service")
    }

    @Test(arguments: ["", "garbage", "12:pids:/user.slice\n", "1:cpu:/x\n"])
    func filesWithoutASystemdPathGiveNothing(file: String) {
        #expect(CgroupPath(cgroupFile: file) == nil)
    }

    @Test func theUnifiedPathWinsOverSystemdsV1Hierarchy() {
        let file = "1:name=systemd:/a/app-x-1.scope\n0::/b/app-y-1.scope\n"
        #expect(CgroupPath(cgroupFile: file)?.path == "/b/app-y-1.scope")
    }
}

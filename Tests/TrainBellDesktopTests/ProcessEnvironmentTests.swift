import Testing
import TrainBellDesktop

/// Desktop ids launchers leave in a process's environment.
@Suite struct ProcessEnvironmentTests {
    static func environ(_ entries: [String]) -> [UInt8] {
        Array(entries.joined(separator: "\0").utf8) + [0]
    }

    @Test func readsNulSeparatedEntriesFirstWins() {
        let environment = ProcessEnvironment(
            environFile: Self.environ(["A=1", "B=x=y", "A=2", "NOEQUALS", "=v", "E="]))
        #expect(environment.variables == ["A": "1", "B": "x=y", "E": ""])
        #expect(ProcessEnvironment(environFile: []).variables.isEmpty)
    }

    @Test func gioLaunchedDesktopFileCountsOnlyForTheLaunchedProcess() {
        let environment = ProcessEnvironment(
            environFile: Self.environ([
                "GIO_LAUNCHED_DESKTOP_FILE=/usr/share/applications/org.gnome.Terminal.desktop",
                "GIO_LAUNCHED_DESKTOP_FILE_PID=4242",
            ]))
        #expect(
            environment.appIDCandidates(pid: 4242)
                == [
                    AppIDCandidate(
                        appID: "org.gnome.Terminal", source: .environment(variable: "GIO_LAUNCHED_DESKTOP_FILE"))
                ])
        #expect(environment.appIDCandidates(pid: 4243).isEmpty)
    }

    @Test func flatpakIDAndBamfHint() {
        let environment = ProcessEnvironment(
            environFile: Self.environ([
                "BAMF_DESKTOP_FILE_HINT=/var/lib/snapd/desktop/applications/code_code.desktop",
                "FLATPAK_ID=org.mozilla.firefox",
            ]))
        #expect(
            environment.appIDCandidates(pid: 1)
                == [
                    AppIDCandidate(appID: "org.mozilla.firefox", source: .environment(variable: "FLATPAK_ID")),
                    AppIDCandidate(appID: "code_code", source: .environment(variable: "BAMF_DESKTOP_FILE_HINT")),
                ])
    }

    @Test(
        arguments: [
            ("/usr/share/applications/org.gnome.Terminal.desktop", "org.gnome.Terminal"),
            ("/usr/share/applications/kde4/konsole.desktop", "kde4-konsole"),
            ("/home/u/.local/share/applications/wine/Programs/Foo.desktop", "wine-Programs-Foo"),
            ("/opt/app/foo.desktop", "foo"), ("foo.desktop", "foo"), ("/usr/share/applications/", nil),
            ("", nil), ("/tmp/.desktop", nil),
        ] as [(String, String?)])
    func desktopIDOfAPath(path: String, expected: String?) {
        #expect(DesktopFileIndex.desktopID(ofPath: path) == expected)
    }
}

import Testing
import TrainBellDesktop

/// Installed desktop entries in XDG data directories.
@Suite struct DesktopFileIndexTests {
    @Test func dataDirectoriesFromTheEnvironment() {
        #expect(
            DesktopFileIndex.dataDirectories(environment: ["HOME": "/home/ada"])
                == ["/home/ada/.local/share", "/usr/local/share", "/usr/share"])
        #expect(
            DesktopFileIndex.dataDirectories(environment: [
                "HOME": "/home/ada", "XDG_DATA_HOME": "/data/",
                "XDG_DATA_DIRS":
                    "/home/ada/.local/share/flatpak/exports/share:relative::/var/lib/flatpak/exports/share:/usr/share:/usr/share/",
            ])
                == [
                    "/data", "/home/ada/.local/share/flatpak/exports/share", "/var/lib/flatpak/exports/share",
                    "/usr/share",
                ])
        #expect(
            DesktopFileIndex.dataDirectories(environment: ["XDG_DATA_HOME": "relative", "XDG_DATA_DIRS": ""])
                == ["/usr/local/share", "/usr/share"])
    }

    @Test func findsEntriesInEveryDirectoryAndSubdirectory() throws {
        let tree = try FakeTree()
        try tree.write("home/applications/org.example.Mine.desktop", FakeTree.desktopEntry())
        try tree.write("flatpak/applications/org.mozilla.firefox.desktop", FakeTree.desktopEntry())
        try tree.write("usr/applications/org.gnome.Terminal.desktop", FakeTree.desktopEntry())
        try tree.write("usr/applications/kde4/konsole.desktop", FakeTree.desktopEntry())
        try tree.write("usr/applications/wine/Programs/Foo-Bar.desktop", FakeTree.desktopEntry())
        try tree.directory("usr/applications/kde4-extra")
        let index = DesktopFileIndex(dataDirectories: [
            "/nonexistent", tree.root + "/home", tree.root + "/flatpak", tree.root + "/usr",
        ])
        for id in [
            "org.example.Mine", "org.mozilla.firefox", "org.gnome.Terminal.desktop", "kde4-konsole",
            "wine-Programs-Foo-Bar",
        ] {
            #expect(index.contains(id), "\(id)")
        }
        #expect(index.path(of: "kde4-konsole") == tree.root + "/usr/applications/kde4/konsole.desktop")
        for id in [
            "konsole", "kde4", "org.gnome", "wine-Programs", "", "../usr/applications/org.gnome.Terminal", ".desktop",
        ] {
            #expect(!index.contains(id), "\(id)")
        }
    }

    @Test func anEntryHiddenInAMoreImportantDirectoryIsNotInstalled() throws {
        let tree = try FakeTree()
        try tree.write("home/applications/org.gnome.Terminal.desktop", FakeTree.desktopEntry(hidden: true))
        try tree.write("usr/applications/org.gnome.Terminal.desktop", FakeTree.desktopEntry())
        try tree.write("usr/applications/code.desktop", FakeTree.desktopEntry())
        let index = DesktopFileIndex(dataDirectories: [tree.root + "/home", tree.root + "/usr"])
        #expect(!index.contains("org.gnome.Terminal"))
        // A hidden desktop action is not a hidden entry.
        #expect(index.contains("code"))
    }

    @Test func flatpakExportsAreSymbolicLinks() throws {
        let tree = try FakeTree()
        try tree.write(
            "app/org.mozilla.firefox/export/share/applications/org.mozilla.firefox.desktop", FakeTree.desktopEntry())
        try tree.directory("exports/share/applications")
        try tree.link(
            "exports/share/applications/org.mozilla.firefox.desktop",
            to: tree.root + "/app/org.mozilla.firefox/export/share/applications/org.mozilla.firefox.desktop")
        let index = DesktopFileIndex(dataDirectories: [tree.root + "/exports/share"])
        #expect(index.contains("org.mozilla.firefox"))
    }

    @Test(
        arguments: [
            ("org.gnome.Terminal.desktop", "org.gnome.Terminal"), ("code", "code"), ("", nil), (".desktop", nil),
            ("a/b", nil), ("..", nil), ("tab\tname", nil),
        ] as [(String, String?)])
    func normalizedID(text: String, expected: String?) {
        #expect(DesktopFileIndex.normalizedID(text) == expected)
    }
}

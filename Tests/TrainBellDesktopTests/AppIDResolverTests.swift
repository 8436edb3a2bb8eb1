import Glibc
import Testing
import TrainBellDesktop

/// The caller's app from a fake `/proc` and fake data directories.
@Suite struct AppIDResolverTests {
    static let user = "0::/user.slice/user-1000.slice/user@1000.service"

    static func resolver(_ tree: FakeTree, installed: [String]) throws -> AppIDResolver {
        for id in installed {
            try tree.write("share/applications/\(id).desktop", FakeTree.desktopEntry())
        }
        return AppIDResolver(
            procRoot: tree.root + "/proc", desktopFiles: DesktopFileIndex(dataDirectories: [tree.root + "/share"]))
    }

    @Test func aScriptInAGnomeTerminalTabIsTheTerminal() throws {
        let tree = try FakeTree()
        let cgroup =
            "\(Self.user)/app.slice/app-org.gnome.Terminal.slice/vte-spawn-228ae109-a869-4533-8988-65ea4c10b492.scope\n"
        try tree.process(4242, parent: 4100, cgroup: cgroup, command: "python3")
        let resolver = try Self.resolver(tree, installed: ["org.gnome.Terminal"])
        #expect(
            resolver.resolve(pid: 4242)
                == AppIDResolution(
                    appID: "org.gnome.Terminal", source: .cgroup(unit: "app-org.gnome.Terminal.slice"), pid: 4242))
    }

    @Test func aScopeWhoseAppIsNotInstalledDoesNotCount() throws {
        let tree = try FakeTree()
        try tree.process(10, parent: 1, cgroup: "\(Self.user)/app.slice/app-gnome-kitty-3842.scope\n")
        let resolver = try Self.resolver(tree, installed: ["org.gnome.Terminal"])
        #expect(resolver.resolve(pid: 10) == nil)
        #expect(resolver.candidates(pid: 10).map(\.appID) == ["kitty", "gnome-kitty"])
    }

    @Test func theLaunchersNameIsTriedWhenTheShortIdIsNotInstalled() throws {
        let tree = try FakeTree()
        try tree.process(10, parent: 1, cgroup: "\(Self.user)/app.slice/app-claude-desktop-31337.scope\n")
        let resolver = try Self.resolver(tree, installed: ["claude-desktop"])
        #expect(resolver.resolve(pid: 10)?.appID == "claude-desktop")
    }

    @Test func aScriptFromAnSshSessionHasNoApp() throws {
        let tree = try FakeTree()
        try tree.process(
            300, parent: 200, cgroup: "0::/user.slice/user-1000.slice/session-3.scope\n", command: "python")
        try tree.process(200, parent: 100, cgroup: "0::/user.slice/user-1000.slice/session-3.scope\n")
        try tree.process(100, parent: 1, cgroup: "0::/system.slice/ssh.service\n", command: "sshd")
        let resolver = try Self.resolver(tree, installed: ["org.gnome.Terminal"])
        #expect(resolver.resolve(pid: 300) == nil)
    }

    @Test func theParentsGioLaunchedDesktopFileWhenTheProcessHasNothing() throws {
        let tree = try FakeTree()
        let session = "0::/user.slice/user-1000.slice/session-2.scope\n"
        let launched = [
            "GIO_LAUNCHED_DESKTOP_FILE=\(tree.root)/share/applications/xterm.desktop",
            "GIO_LAUNCHED_DESKTOP_FILE_PID=500",
        ]
        // The script and the shell inherited the variables; only the
        // terminal is the launched pid.
        try tree.process(700, parent: 600, cgroup: session, environment: launched, command: "python3")
        try tree.process(600, parent: 500, cgroup: session, environment: launched)
        try tree.process(500, parent: 1, cgroup: session, environment: launched, command: "xterm")
        let resolver = try Self.resolver(tree, installed: ["xterm"])
        #expect(
            resolver.resolve(pid: 700)
                == AppIDResolution(
                    appID: "xterm", source: .environment(variable: "GIO_LAUNCHED_DESKTOP_FILE"), pid: 500))
    }

    @Test func flatpakIdInsideTheSandbox() throws {
        let tree = try FakeTree()
        try tree.process(
            900, parent: 1, cgroup: "\(Self.user)/app.slice/app-flatpak-org.example.Trainer-900.scope\n",
            environment: ["FLATPAK_ID=org.example.Trainer"])
        let resolver = try Self.resolver(tree, installed: ["org.example.Trainer"])
        #expect(resolver.resolve(pid: 900)?.source == .cgroup(unit: "app-flatpak-org.example.Trainer-900.scope"))
        try tree.write("proc/900/cgroup", "0::/\n")
        #expect(resolver.resolve(pid: 900)?.source == .environment(variable: "FLATPAK_ID"))
    }

    @Test func theWalkStopsAfterMaxProcessesAndOnLoops() throws {
        let tree = try FakeTree()
        let none = "0::/user.slice/user-1000.slice/session-3.scope\n"
        for pid: UInt32 in 2...9 {
            try tree.process(pid, parent: pid + 1, cgroup: none)
        }
        try tree.process(10, parent: 1, cgroup: "\(Self.user)/app.slice/app-gnome-code-10.scope\n")
        try tree.process(20, parent: 21, cgroup: none)
        try tree.process(21, parent: 20, cgroup: none)
        let resolver = try Self.resolver(tree, installed: ["code"])
        #expect(resolver.resolve(pid: 3)?.pid == 10)
        #expect(resolver.resolve(pid: 2) == nil)
        #expect(resolver.resolve(pid: 20) == nil)
    }

    @Test func missingProcessesAndPidsZeroAndOneGiveNothing() throws {
        let tree = try FakeTree()
        try tree.process(1, parent: 0, cgroup: "\(Self.user)/app.slice/app-gnome-code-1.scope\n")
        let resolver = try Self.resolver(tree, installed: ["code"])
        #expect(resolver.resolve(pid: 0) == nil)
        #expect(resolver.resolve(pid: 1) == nil)
        #expect(resolver.resolve(pid: 31337) == nil)
        #expect(resolver.candidates(pid: 31337).isEmpty)
    }

    @Test func theRealProcOfThisTestDoesNotCrash() {
        let resolver = AppIDResolver(desktopFiles: DesktopFileIndex(environment: [:]))
        _ = resolver.resolve(pid: UInt32(getpid()))
        _ = resolver.candidates(pid: UInt32(getpid()))
    }
}

/// Finds the desktop app a D-Bus caller runs in, for a job that named
/// none: from the caller's pid (`GetConnectionUnixProcessID`), its cgroup
/// path (the first `app-…` unit from the inside out), then the desktop file
/// its launcher left in its environment; when the process itself has
/// nothing (a script run from a shell), the same for its parent, a few
/// levels up. Only ids with an installed desktop file count.
///
/// `procRoot` and the data directories are parameters, so tests run it on a
/// fake `/proc` tree. It reads a few small files per process and never
/// fails: an unreadable or vanished process gives nil.
public struct AppIDResolver: Sendable {
    /// How many processes are looked at by default: the caller and up to
    /// seven ancestors (script, interpreter wrappers, shell, terminal, …).
    public static let defaultMaxProcesses = 8

    /// Where `/proc` is.
    public let procRoot: String
    /// The installed desktop entries.
    public let desktopFiles: DesktopFileIndex
    /// How many processes (the caller, its parent, …) are looked at.
    public let maxProcesses: Int

    /// A resolver reading `procRoot` and checking ids against `desktopFiles`.
    public init(
        procRoot: String = "/proc", desktopFiles: DesktopFileIndex,
        maxProcesses: Int = AppIDResolver.defaultMaxProcesses
    ) {
        self.procRoot = procRoot.hasSuffix("/") && procRoot.count > 1 ? String(procRoot.dropLast()) : procRoot
        self.desktopFiles = desktopFiles
        self.maxProcesses = maxProcesses
    }

    /// The installed app of process `pid` or its nearest ancestor that has
    /// one; nil when none (a login session over ssh, a system service, a
    /// terminal not launched as an app).
    public func resolve(pid: UInt32) -> AppIDResolution? {
        var current = pid
        var visited: Set<UInt32> = []
        var seenCgroups: Set<String> = []
        for _ in 0..<max(0, maxProcesses) {
            guard current > 1, visited.insert(current).inserted else { return nil }
            let cgroup = self.cgroup(of: current)
            // A child usually shares its parent's cgroup: look at each once.
            let fromCgroup = cgroup.flatMap { seenCgroups.insert($0.path).inserted ? $0.appIDCandidates : nil } ?? []
            for candidate in fromCgroup + environment(of: current).appIDCandidates(pid: current)
            where desktopFiles.contains(candidate.appID) {
                return AppIDResolution(appID: candidate.appID, source: candidate.source, pid: current)
            }
            guard let parent = parentPID(of: current) else { return nil }
            current = parent
        }
        return nil
    }

    /// What process `pid` itself suggests, installed or not (for
    /// diagnostics): its cgroup's candidates, then its environment's.
    public func candidates(pid: UInt32) -> [AppIDCandidate] {
        (cgroup(of: pid)?.appIDCandidates ?? []) + environment(of: pid).appIDCandidates(pid: pid)
    }

    private func file(_ name: String, of pid: UInt32) -> String {
        "\(procRoot)/\(pid)/\(name)"
    }

    private func cgroup(of pid: UInt32) -> CgroupPath? {
        LocalFile.readText(file("cgroup", of: pid), limit: 64 * 1024).flatMap(CgroupPath.init(cgroupFile:))
    }

    private func environment(of pid: UInt32) -> ProcessEnvironment {
        ProcessEnvironment(environFile: LocalFile.read(file("environ", of: pid), limit: 1 << 20) ?? [])
    }

    private func parentPID(of pid: UInt32) -> UInt32? {
        LocalFile.readText(file("stat", of: pid), limit: 4 * 1024).flatMap(ProcessStatus.parentPID(statFile:))
    }
}

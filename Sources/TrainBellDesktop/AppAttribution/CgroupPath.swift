/// The control group a process is in, as `/proc/PID/cgroup` names it:
/// a path of systemd units, e.g.
/// `/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-….scope`.
///
/// A process started from a terminal or an IDE stays in the cgroup of that
/// app (or of a per-tab scope inside it), so walking up the path to the
/// first `app-…` unit finds the desktop app the user sees it in.
public struct CgroupPath: Sendable, Hashable {
    /// The path, from the root (`/`).
    public let path: String

    /// A path as given.
    public init(path: String) {
        self.path = path
    }

    /// Reads the text of `/proc/PID/cgroup`: the unified hierarchy's line
    /// (`0::/…`, cgroup v2, also present in hybrid setups) when it names
    /// more than the root, else systemd's own v1 hierarchy (`N:name=systemd:/…`),
    /// else the v2 root; nil when the text has neither.
    public init?(cgroupFile text: String) {
        var unified: String?
        var systemd: String?
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[0] == "0", fields[1].isEmpty {
                unified = unified ?? String(fields[2])
            } else if fields[1].split(separator: ",").contains("name=systemd") {
                systemd = systemd ?? String(fields[2])
            }
        }
        if let unified, unified != "/" {
            self.path = unified
        } else if let found = systemd ?? unified {
            self.path = found
        } else {
            return nil
        }
    }

    /// The units of the path, innermost first.
    public var unitsInnermostFirst: [Substring] {
        path.split(separator: "/").reversed()
    }

    /// The innermost `app-…` unit and the ones around it, innermost first.
    public var appUnits: [AppUnitName] {
        unitsInnermostFirst.compactMap { AppUnitName($0) }
    }

    /// The desktop entry ids the path may stand for, innermost unit first,
    /// each unit's most likely first; empty for a login session
    /// (`session-3.scope`), a system service, or a scope no desktop made.
    public var appIDCandidates: [AppIDCandidate] {
        var seen: Set<String> = []
        return appUnits.flatMap { unit in
            unit.appIDCandidates.compactMap { id in
                seen.insert(id).inserted ? AppIDCandidate(appID: id, source: .cgroup(unit: unit.unit)) : nil
            }
        }
    }
}

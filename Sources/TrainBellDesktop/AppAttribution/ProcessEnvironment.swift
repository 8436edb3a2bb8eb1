import Glibc

/// The environment of a process, as `/proc/PID/environ` holds it
/// (`NAME=value` entries separated by NUL bytes), and the desktop entry
/// ids launchers leave in it.
public struct ProcessEnvironment: Sendable, Hashable {
    /// The variables; for a name given twice, the first (as `getenv` does).
    public let variables: [String: String]

    /// Variables as given.
    public init(variables: [String: String]) {
        self.variables = variables
    }

    /// This process's own environment.
    public static var current: ProcessEnvironment {
        var variables: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "="), variables[String(s[..<eq])] == nil {
                variables[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return ProcessEnvironment(variables: variables)
    }

    /// Reads the bytes of `/proc/PID/environ`; entries without `=` are
    /// skipped, bytes that are not UTF-8 are replaced.
    public init(environFile bytes: some Collection<UInt8>) {
        var variables: [String: String] = [:]
        for entry in bytes.split(separator: 0) {
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")), equals != entry.startIndex else { continue }
            let name = String(decoding: entry[..<equals], as: UTF8.self)
            if variables[name] == nil {
                variables[name] = String(decoding: entry[entry.index(after: equals)...], as: UTF8.self)
            }
        }
        self.variables = variables
    }

    /// The ids launchers left for process `pid`, most reliable first:
    /// `GIO_LAUNCHED_DESKTOP_FILE` (a path; only when
    /// `GIO_LAUNCHED_DESKTOP_FILE_PID` is `pid`, since children inherit it),
    /// `FLATPAK_ID` (set inside a Flatpak sandbox), `BAMF_DESKTOP_FILE_HINT`
    /// (a path, set by Unity's launcher).
    public func appIDCandidates(pid: UInt32) -> [AppIDCandidate] {
        var candidates: [AppIDCandidate] = []
        func add(_ id: String?, _ variable: String) {
            guard let id, !candidates.contains(where: { $0.appID == id }) else { return }
            candidates.append(AppIDCandidate(appID: id, source: .environment(variable: variable)))
        }
        if let file = variables["GIO_LAUNCHED_DESKTOP_FILE"],
            variables["GIO_LAUNCHED_DESKTOP_FILE_PID"].flatMap({ UInt32($0) }) == pid
        {
            add(DesktopFileIndex.desktopID(ofPath: file), "GIO_LAUNCHED_DESKTOP_FILE")
        }
        if let flatpak = variables["FLATPAK_ID"] {
            add(DesktopFileIndex.normalizedID(flatpak), "FLATPAK_ID")
        }
        if let hint = variables["BAMF_DESKTOP_FILE_HINT"] {
            add(DesktopFileIndex.desktopID(ofPath: hint), "BAMF_DESKTOP_FILE_HINT")
        }
        return candidates
    }
}

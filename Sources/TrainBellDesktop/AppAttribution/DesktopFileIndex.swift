import TrainBellCore

/// The installed desktop entries, looked up by desktop file id in the XDG
/// data directories (`$XDG_DATA_HOME/applications`, then each
/// `$XDG_DATA_DIRS/applications`). Docks ignore launcher updates for ids
/// without one, so trainbell attributes a job only to an installed id.
///
/// Ids follow the Desktop Entry Specification: a file in a subdirectory of
/// `applications` has the subdirectory in its id with `-` for `/`
/// (`applications/kde4/konsole.desktop` is `kde4-konsole`). The first
/// directory holding an id decides, so an entry hidden by the user
/// (`Hidden=true` in `$XDG_DATA_HOME`) is not installed. Flatpak's exports
/// (`/var/lib/flatpak/exports/share`, `~/.local/share/flatpak/exports/share`)
/// count when they are listed in `XDG_DATA_DIRS`, as Flatpak's session
/// setup does.
public struct DesktopFileIndex: Sendable, Hashable {
    /// The data directories, most important first.
    public let dataDirectories: [String]

    /// An index over these data directories (each with an `applications`
    /// subdirectory), most important first.
    public init(dataDirectories: [String]) {
        self.dataDirectories = dataDirectories
    }

    /// An index over the data directories `environment` names (see
    /// ``dataDirectories(environment:)``).
    public init(environment: [String: String]) {
        self.init(dataDirectories: Self.dataDirectories(environment: environment))
    }

    /// The XDG data directories: `$XDG_DATA_HOME` (default
    /// `$HOME/.local/share`), then `$XDG_DATA_DIRS` (default
    /// `/usr/local/share:/usr/share`). Relative paths are ignored, as the
    /// XDG Base Directory Specification says; duplicates are dropped.
    public static func dataDirectories(environment: [String: String]) -> [String] {
        var directories: [String] = []
        func add(_ directory: some StringProtocol) {
            var path = String(directory)
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            if path.hasPrefix("/"), !directories.contains(path) { directories.append(path) }
        }
        if let home = environment["XDG_DATA_HOME"], home.hasPrefix("/") {
            add(home)
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            add(home + (home.hasSuffix("/") ? "" : "/") + ".local/share")
        }
        let listed = environment["XDG_DATA_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/share:/usr/share"
        listed.split(separator: ":").forEach(add)
        return directories
    }

    /// Whether `id` (with or without `.desktop`) is an installed, not hidden
    /// desktop entry.
    public func contains(_ id: String) -> Bool {
        path(of: id) != nil
    }

    /// The file of an installed, not hidden desktop entry; nil when there is
    /// none (or the id is not a valid id).
    public func path(of id: String) -> String? {
        guard let id = Self.normalizedID(id) else { return nil }
        for directory in dataDirectories {
            if let file = Self.find(id[...], in: directory + "/applications") {
                return Self.isHidden(file) ? nil : file
            }
        }
        return nil
    }

    /// Every installed id (entries in `applications` and one level of subdirectories), for
    /// suggestions when an id is not installed; at most `limit`.
    public func installedIDs(limit: Int = 5_000) -> [String] {
        var ids: [String] = []
        var seen: Set<String> = []
        for directory in dataDirectories {
            let applications = directory + "/applications"
            for name in LocalFile.entries(of: applications) {
                if name.hasSuffix(".desktop"), let id = Self.normalizedID(name), seen.insert(id).inserted {
                    ids.append(id)
                } else if !name.hasPrefix("."), LocalFile.isDirectory(applications + "/" + name) {
                    for inner in LocalFile.entries(of: applications + "/" + name) where inner.hasSuffix(".desktop") {
                        if let id = Self.normalizedID(name + "-" + inner), seen.insert(id).inserted { ids.append(id) }
                    }
                }
                if ids.count >= limit { return ids }
            }
        }
        return ids
    }

    /// The desktop file id of a desktop file path: the part below the last
    /// `applications/` directory with `-` for `/`, else the file name;
    /// without `.desktop`. Nil when that is not a valid id.
    public static func desktopID(ofPath path: String) -> String? {
        let relative: Substring
        if let range = path.ranges(of: "/applications/").last {
            relative = path[range.upperBound...]
        } else {
            relative = path.split(separator: "/").last ?? ""
        }
        return normalizedID(relative.split(separator: "/").joined(separator: "-"))
    }

    /// An id without `.desktop`, checked: not empty, at most 255 bytes, no
    /// `/`, no control characters, not starting with `.`. Nil otherwise.
    public static func normalizedID(_ text: some StringProtocol) -> String? {
        AppID(text)?.rawValue
    }

    /// Finds `id` in `directory`: `directory/id.desktop`, or for each `-` a
    /// subdirectory named like the part before it holding the rest.
    private static func find(_ id: Substring, in directory: String) -> String? {
        let file = directory + "/" + id + ".desktop"
        if LocalFile.isRegularFile(file) {
            return file
        }
        var index = id.startIndex
        while let dash = id[index...].firstIndex(of: "-") {
            let subdirectory = directory + "/" + id[..<dash]
            if LocalFile.isDirectory(subdirectory), let found = find(id[id.index(after: dash)...], in: subdirectory) {
                return found
            }
            index = id.index(after: dash)
        }
        return nil
    }

    /// Whether the entry's `[Desktop Entry]` group says `Hidden=true`.
    private static func isHidden(_ file: String) -> Bool {
        guard let bytes = LocalFile.read(file, limit: 256 * 1024) else { return false }
        var inEntry = false
        for rawLine in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") {
                inEntry = line.hasPrefix("[Desktop Entry]")
                continue
            }
            guard inEntry, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].filter { $0 != " " && $0 != "\t" }
            let value = line[line.index(after: equals)...].filter { $0 != " " && $0 != "\t" && $0 != "\r" }
            if key == "Hidden" {
                return value == "true"
            }
        }
        return false
    }
}

import Glibc
import TrainBellCore

extension Configuration {
    /// The largest configuration file read, in bytes.
    static let maximumFileSize = 1 << 20

    /// `$XDG_CONFIG_HOME/trainbell/config`, else `$HOME/.config/trainbell/config`.
    static var defaultPath: String {
        defaultPath { name in getenv(name).map { String(cString: $0) } }
    }

    /// The configuration path for an environment. `XDG_CONFIG_HOME` counts
    /// only when it is an absolute path (XDG Base Directory
    /// specification); without `HOME`, the home directory of the user's
    /// password entry.
    static func defaultPath(environment: (String) -> String?) -> String {
        if let configHome = environment("XDG_CONFIG_HOME"), configHome.hasPrefix("/") {
            return configHome + "/trainbell/config"
        }
        var home = environment("HOME") ?? ""
        if home.isEmpty, let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir {
            home = String(cString: directory)
        }
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.config/trainbell/config"
    }

    /// Reads the configuration file at `path`. A missing file is the
    /// built-in configuration.
    ///
    /// - Throws: A ``ConfigurationError`` when the file cannot be read, is
    ///   not UTF-8, or holds an error (see ``parse(_:source:)``).
    static func load(from path: String) throws(ConfigurationError) -> Configuration {
        let contents: [UInt8]?
        do {
            contents = try KeyFile.contents(ofFile: path, maximumSize: maximumFileSize)
        } catch {
            throw ConfigurationError(source: path, line: nil, message: error.message)
        }
        guard let bytes = contents else { return Configuration() }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let bad = lines.firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0
            throw ConfigurationError(
                source: path, line: bad + 1, message: "the line is not valid UTF-8; accepted: UTF-8 text")
        }
        var configuration = try parse(text, source: path)
        // A sink's address is as good as a password (a Slack or Discord webhook URL, an ntfy topic,
        // a mailbox): the file that names one should be the user's alone.
        var status = stat()
        if !configuration.sinks.isEmpty, stat(path, &status) == 0, status.st_mode & 0o004 != 0 {
            configuration.warnings.append(
                "\(path): every user can read it, and it names sinks (a webhook URL or an ntfy topic lets anyone post "
                    + "to you); make it yours alone: chmod 600 \(path)")
        }
        return configuration
    }

    /// Reads a configuration from the text of a file. Unknown groups and
    /// keys are not errors: they end up in ``warnings``.
    ///
    /// - Parameter source: The file name for messages.
    /// - Throws: A ``ConfigurationError`` for the first line (in file
    ///   order) that is not a group, key=value line or comment, or whose
    ///   value is not accepted.
    static func parse(_ text: String, source: String) throws(ConfigurationError) -> Configuration {
        let file = try ConfigurationFile(text: text, source: source)
        var configuration = Configuration()
        var warnings: [(line: Int, message: String)] = []
        var milestoneTemplates: [(entry: ConfigurationFile.Entry, milestone: Int)] = []

        for group in file.groups where group.name.hasPrefix("sink ") {
            let name = String(group.name.dropFirst(5))
            guard SinkSettings.isValidName(name) else {
                throw ConfigurationError(source: source, line: group.line,
                                         message: "[sink \(name)]: the name is not accepted; accepted: 1 to 64 letters, digits, - and _")
            }
            let entries = file.entries.filter { $0.group == group.name }
            var values: [String: String] = [:]
            for entry in entries {
                guard SinkSettings.keys.contains(entry.key) || ["token", "password", "secret"].contains(entry.key) else {
                    let hint = suggestion(for: entry.key, among: SinkSettings.keys)
                    warnings.append((entry.line, "unknown key [sink \(name)] \(entry.key) is ignored; \(hint)"))
                    continue
                }
                values[entry.key] = try file.string(of: entry)
            }
            do {
                configuration.sinks.append(try SinkSettings.parse(name: name, values: values))
            } catch {
                throw ConfigurationError(source: source, line: group.line, message: "[sink \(name)] \(error.message)")
            }
        }
        for group in file.groups where !ConfigurationKey.groups.contains(group.name) && !group.name.hasPrefix("sink ") {
            let hint = suggestion(for: group.name, among: ConfigurationKey.groups, brackets: true)
            warnings.append((group.line, "unknown group [\(group.name)] is ignored; \(hint)"))
        }
        for entry in file.entries where ConfigurationKey.groups.contains(entry.group) {
            let label = "[\(entry.group)] \(entry.key)"
            guard let key = ConfigurationKey.key(group: entry.group, name: entry.key) else {
                let hint = suggestion(for: entry.key, among: ConfigurationKey.names(in: entry.group))
                warnings.append((entry.line, "unknown key \(label) is ignored; \(hint)"))
                continue
            }
            for line in entry.overriddenLines {
                warnings.append((line, "\(label) is set again on line \(entry.line), which counts"))
            }
            let value = key.reading == .decoded ? try file.string(of: entry) : file.rawValue(of: entry)
            do {
                for warning in try key.apply(value, &configuration) {
                    warnings.append((entry.line, "\(label): \(warning)"))
                }
            } catch {
                throw ConfigurationError(source: source, line: entry.line, message: "\(label): \(error.message)")
            }
            if let milestone = key.milestone { milestoneTemplates.append((entry, milestone)) }
        }
        let milestones = configuration.milestones
        for (entry, milestone) in milestoneTemplates where !milestones.contains(milestone) {
            let list = milestones.percentages.map(String.init).joined(separator: ";")
            warnings.append(
                (
                    entry.line,
                    "[templates] \(entry.key): \(milestone) is not one of the milestones (\(list)), "
                        + "so the template is never used"
                ))
        }
        configuration.warnings = warnings.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map { "\(source):\($0.element.line): \($0.element.message)" }
        return configuration
    }

    /// "did you mean …?" when `name` is one or two edits from a known name,
    /// else the known names.
    private static func suggestion(for name: String, among known: [String], brackets: Bool = false) -> String {
        let shown = known.map { brackets ? "[\($0)]" : $0 }
        // A translated key (`error-title[de]`) is compared without its locale.
        let bare = name.split(separator: "[", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let distances = known.map { editDistance(bare.lowercased(), $0.lowercased()) }
        if let best = distances.min(), best <= 2, let index = distances.firstIndex(of: best) {
            return "did you mean \(shown[index])?"
        }
        return "known: \(shown.joined(separator: ", "))"
    }

    /// The Levenshtein distance between two strings, by Unicode scalars.
    private static func editDistance(_ left: String, _ right: String) -> Int {
        let (left, right) = (Array(left.unicodeScalars), Array(right.unicodeScalars))
        guard !left.isEmpty else { return right.count }
        var previous = Array(0...right.count)
        for (i, leftScalar) in left.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: right.count)
            for (j, rightScalar) in right.enumerated() {
                current[j + 1] = Swift.min(
                    previous[j + 1] + 1, current[j] + 1, previous[j] + (leftScalar == rightScalar ? 0 : 1))
            }
            previous = current
        }
        return previous[right.count]
    }
}

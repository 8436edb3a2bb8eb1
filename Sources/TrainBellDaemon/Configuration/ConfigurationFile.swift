/// The configuration file read with GKeyFile, with the line of every group
/// and key, so that every error and warning names its line.
///
/// GKeyFile decides what the file says (groups, keys, values, escapes);
/// ``KeyFileLine`` only finds where it says it. Before GKeyFile sees the
/// text, a UTF-8 byte order mark is dropped and CR LF line ends become LF;
/// a NUL character is an error (GKeyFile would cut the line there).
struct ConfigurationFile {
    /// A key that the file sets.
    struct Entry: Sendable, Hashable {
        /// The group it is in.
        let group: String
        /// The key as written.
        let key: String
        /// The line that sets it (the last one when set more than once:
        /// that one counts).
        let line: Int
        /// Earlier lines that set it too, and were overridden.
        let overriddenLines: [Int]
    }

    /// A group header.
    struct Group: Sendable, Hashable {
        /// The name between the brackets.
        let name: String
        /// The line of its first header.
        let line: Int
    }

    /// The file, as the caller named it.
    let source: String
    /// The groups in the file, in order.
    let groups: [Group]
    /// The keys the file sets, in the order of the lines that count.
    let entries: [Entry]

    private let keyFile: KeyFile

    /// Reads `text`.
    ///
    /// - Throws: A ``ConfigurationError`` naming the first line that is not
    ///   a group header, a key=value line or a comment.
    init(text: String, source: String) throws(ConfigurationError) {
        self.source = source
        var lines = Self.lines(of: text)
        if let first = lines.first, first.unicodeScalars.first == "\u{FEFF}" {
            lines[0] = Substring(first.unicodeScalars.dropFirst())
        }
        if let index = lines.firstIndex(where: { $0.unicodeScalars.contains("\0") }) {
            throw ConfigurationError(
                source: source, line: index + 1,
                message: "the line contains a NUL character; accepted: UTF-8 text")
        }
        do {
            keyFile = try KeyFile(parsing: lines.joined(separator: "\n"))
        } catch {
            let index = Self.firstRejectedLine(of: lines)
            throw ConfigurationError(
                source: source, line: index + 1,
                message: Self.explainRejected(lines[index], after: lines[..<index], glibMessage: error.message))
        }

        var groupLines: [String: Int] = [:]
        var keyLines: [String: [String: [Int]]] = [:]
        var currentGroup: String?
        for (index, line) in lines.enumerated() {
            switch KeyFileLine(line) {
            case .group(let name):
                currentGroup = name
                if groupLines[name] == nil { groupLines[name] = index + 1 }
            case .entry(let key):
                if let currentGroup { keyLines[currentGroup, default: [:]][key, default: []].append(index + 1) }
            case .comment, .invalid:
                break
            }
        }
        let names = keyFile.groups
        groups = names.map { Group(name: $0, line: groupLines[$0] ?? 1) }
        entries = names.flatMap { [keyFile] group in
            keyFile.keys(in: group).map { key in
                let lines = keyLines[group]?[key] ?? []
                return Entry(
                    group: group, key: key, line: lines.last ?? groupLines[group] ?? 1,
                    overriddenLines: Array(lines.dropLast()))
            }
        }.sorted { $0.line < $1.line }
    }

    /// The value of `entry` as written after `=`, without GKeyFile's
    /// escapes decoded.
    func rawValue(of entry: Entry) -> String {
        keyFile.rawValue(in: entry.group, key: entry.key) ?? ""
    }

    /// The value of `entry` with GKeyFile's escapes (`\s`, `\n`, `\t`,
    /// `\r`, `\\`) decoded.
    ///
    /// - Throws: A ``ConfigurationError`` naming the first escape that is
    ///   not one of them.
    func string(of entry: Entry) throws(ConfigurationError) -> String {
        do {
            return try keyFile.string(in: entry.group, key: entry.key)
        } catch {
            throw ConfigurationError(
                source: source, line: entry.line,
                message: "[\(entry.group)] \(entry.key): \(Self.badEscape(in: rawValue(of: entry)) ?? error.message); "
                    + "accepted: the escapes \\s, \\n, \\t, \\r and \\\\")
        }
    }

    /// The lines of `text` without their line ends (LF, or CR LF).
    private static func lines(of text: String) -> [Substring] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            Substring(line.last == "\r" ? line.dropLast() : line)
        }
    }

    /// The index of the first line GKeyFile rejects: the end of the
    /// shortest prefix of the file that GKeyFile does not load. GKeyFile
    /// reads line by line and stops at the first bad one, so a prefix fails
    /// exactly when it holds that line; its own message names the line's
    /// text, not its number, and in the user's language.
    private static func firstRejectedLine(of lines: [Substring]) -> Int {
        var (loads, fails) = (0, lines.count)
        while fails - loads > 1 {
            let middle = (loads + fails) / 2
            if (try? KeyFile(parsing: lines[..<middle].joined(separator: "\n"))) != nil {
                loads = middle
            } else {
                fails = middle
            }
        }
        return fails - 1
    }

    /// What is wrong with a line GKeyFile rejected, and what is accepted.
    private static func explainRejected(
        _ line: Substring, after earlier: ArraySlice<Substring>, glibMessage: String
    ) -> String {
        let shown = quoted(line.unicodeScalars.drop { KeyFileLine.isSpace($0) })
        switch KeyFileLine(line) {
        case .group:
            return "\(shown) is not a valid group header; accepted: a name in brackets, "
                + "without '[', ']' or control characters, such as [milestones]"
        case .entry(let key):
            if !earlier.contains(where: { if case .group = KeyFileLine($0) { true } else { false } }) {
                return "\(shown) comes before any group; accepted: a group header such as [milestones] first"
            }
            if key == "Encoding" {
                return "\(shown): the file is read as UTF-8; accepted: Encoding=UTF-8 or no Encoding line"
            }
            return "\"\(key)\" is not a valid key; accepted: key=value with a key without '[' or ']' "
                + "(except a [locale] at its end)"
        case .invalid:
            return "\(shown) is not a group header, a key=value line or a # comment"
        case .comment:
            return glibMessage
        }
    }

    /// What is wrong with the first escape in `value` that GKeyFile does
    /// not know, or nil.
    private static func badEscape(in value: String) -> String? {
        var scalars = value.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\" else { continue }
            guard let escaped = scalars.next() else { return "the value ends with a lone \\" }
            if !"sntr\\".unicodeScalars.contains(escaped) {
                return "the escape \(quoted(["\\", escaped])) is unknown"
            }
        }
        return nil
    }

    /// A line or value for a message: in double quotes, at most 60
    /// characters, control characters as `U+…`.
    static func quoted(_ text: some Sequence<Unicode.Scalar>) -> String {
        var shown = String.UnicodeScalarView()
        var count = 0
        for scalar in text {
            count += 1
            if count > 60 {
                shown.append("…")
                break
            }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                shown.append(contentsOf: "U+\(String(repeating: "0", count: 4 - hex.count))\(hex)".unicodeScalars)
            } else {
                shown.append(scalar)
            }
        }
        return "\"\(String(shown))\""
    }
}

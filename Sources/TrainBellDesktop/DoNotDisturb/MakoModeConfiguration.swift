import TrainBellCore

/// What the user's mako configuration makes of its `do-not-disturb` mode: whether a critical
/// notification (trainbell's errors go out with urgency 2 during DND) is hidden while the mode is on.
///
/// mako itself decides from its configuration file (mako `config.c`, `get_config_path`: the first
/// of `~/.mako/config` and `$XDG_CONFIG_HOME/mako/config`, `$XDG_CONFIG_HOME` defaulting to
/// `~/.config`). Its sections are criteria (`[mode=do-not-disturb]`, `[urgency=critical]`,
/// `[mode=do-not-disturb urgency=critical]`, …) applied in file order, the last one that sets
/// `invisible` winning. Without a section that hides them, the mode changes nothing and mako shows
/// everything: "do-not-disturb" is only a name.
///
/// The answer is what the file shows for sure: hidden only when a section that certainly matches a
/// critical notification in that mode sets `invisible` last, and no section that may match (one
/// with criteria this reader cannot decide, such as `app-name=`) sets it after.
public enum MakoModeConfiguration {
    /// The path mako reads, given the environment's `HOME` and `XDG_CONFIG_HOME`; nil when neither
    /// file is there.
    public static func path(environment: [String: String]) -> String? {
        path(environment: environment, exists: LocalFile.isRegularFile)
    }

    static func path(environment: [String: String], exists: (String) -> Bool) -> String? {
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        return [home + "/.mako/config", configHome + "/mako/config"].first(where: exists)
    }

    /// Whether mako hides critical notifications in `do-not-disturb` mode, per its configuration at
    /// the usual place; false when there is none (mako's built-in configuration hides nothing).
    public static func hidesCriticalNotificationsInDoNotDisturb(environment: [String: String]) -> Bool {
        guard let path = path(environment: environment), let text = LocalFile.readText(path, limit: 1 << 20) else { return false }
        return hidesCriticalNotificationsInDoNotDisturb(configuration: text)
    }

    /// The same, from the text of a configuration file.
    public static func hidesCriticalNotificationsInDoNotDisturb(configuration text: String) -> Bool {
        // Above the first section: the global options, which apply to every notification.
        var applies = Applies.certainly
        var hidden = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                applies = Self.applies(criteria: line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace
            guard key == "invisible" else { continue }
            let value = line[line.index(after: equals)...].trimmingWhitespace
            guard let invisible = Self.boolean(value) else { continue }
            switch applies {
            case .certainly: hidden = invisible
            case .maybe: if !invisible { hidden = false }   // it may show it: not hidden for sure
            case .no: break
            }
        }
        return hidden
    }

    /// Whether a section's criteria match a critical notification while `do-not-disturb` is on.
    enum Applies { case certainly, maybe, no }

    static func applies(criteria: Substring) -> Applies {
        var result = Applies.certainly
        for criterion in criteria.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let equals = criterion.firstIndex(of: "=") else {
                // A bare criterion (`actionable`, `grouped`, …): it may or may not match.
                result = .maybe
                continue
            }
            let key = criterion[..<equals], value = criterion[criterion.index(after: equals)...]
            switch key {
            case "mode":
                // Another mode may be on beside do-not-disturb (`makoctl mode -a` keeps `default`).
                if value != MakoDoNotDisturb.mode { result = .maybe }
            case "urgency":
                if value != "critical" && value != "high" { return .no }
            default:
                result = .maybe
            }
        }
        return result
    }

    /// mako's booleans (`parse_boolean`): 1/true and 0/false.
    static func boolean(_ value: Substring) -> Bool? {
        switch value {
        case "1", "true": return true
        case "0", "false": return false
        default: return nil
        }
    }
}

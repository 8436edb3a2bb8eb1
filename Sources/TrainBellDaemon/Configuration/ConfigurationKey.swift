import Glibc
import TrainBellCore

/// A key of the configuration file: its group and name, how its value is
/// read, and what the value changes. ``table`` lists every key; reading,
/// validation and the example file follow from it.
struct ConfigurationKey: Sendable {
    /// How the text after `=` reaches ``apply``.
    enum Reading: Sendable {
        /// With GKeyFile's escapes decoded (`\s`, `\n`, `\t`, `\r`, `\\`).
        case decoded
        /// As written: commands, whose backslashes and quotes are the
        /// command line's own.
        case asWritten
    }

    /// The group, without brackets.
    let group: String
    /// The key.
    let name: String
    /// How the value is read.
    let reading: Reading
    /// The milestone of a per-milestone template, else nil.
    let milestone: Int?
    /// Changes the configuration by the value; returns warnings (e.g.
    /// unknown placeholders).
    let apply: @Sendable (String, inout Configuration) throws(ValidationError) -> [String]

    init(
        _ group: String, _ name: String, reading: Reading = .decoded, milestone: Int? = nil,
        apply: @escaping @Sendable (String, inout Configuration) throws(ValidationError) -> [String]
    ) {
        self.group = group
        self.name = name
        self.reading = reading
        self.milestone = milestone
        self.apply = apply
    }

    /// The groups, in the order of the example file.
    static let groups = [
        "milestones", "templates", "sounds", "urgency", "notifications", "dnd", "launcher", "actions", "history", "progress", "metrics",
        "remote", "away",
    ]

    /// The key `name` of `group`, or nil when trainbell does not know it.
    /// `[urgency]` takes any key (an error type); `[templates]` also takes
    /// `milestone-N-title` and `milestone-N-message`.
    static func key(group: String, name: String) -> ConfigurationKey? {
        if let key = table.first(where: { $0.group == group && $0.name == name }) { return key }
        switch group {
        case "urgency": return urgencyKey(name)
        case "templates": return milestoneTemplateKey(name)
        default: return nil
        }
    }

    /// The keys of `group` as the documentation names them (for
    /// suggestions): the fixed ones, and `milestone-N-title` and
    /// `milestone-N-message` in `[templates]`.
    static func names(in group: String) -> [String] {
        table.filter { $0.group == group }.map(\.name)
            + (group == "templates" ? ["milestone-N-title", "milestone-N-message"] : [])
    }

    // MARK: The table

    /// Every key with a fixed name.
    static let table: [ConfigurationKey] =
        [
            ConfigurationKey("milestones", "percentages") { value, configuration throws(ValidationError) in
                configuration.milestones = try ConfigurationValue.milestones(value)
                return []
            }
        ] + templateKeys + soundKeys + [
            ConfigurationKey("notifications", "body-max-characters") { value, configuration throws(ValidationError) in
                configuration.bodyMaxCharacters = try ConfigurationValue.wholeNumber(value, in: 1...10_000)
                return []
            },
            ConfigurationKey("notifications", "body-max-lines") { value, configuration throws(ValidationError) in
                configuration.bodyMaxLines = try ConfigurationValue.wholeNumber(value, in: 1...100)
                return []
            },
            ConfigurationKey("notifications", "error-collapse-seconds") {
                value, configuration throws(ValidationError) in
                let seconds = try ConfigurationValue.wholeNumber(
                    value, in: 0...86_400, accepted: "a whole number from 0 (never collapse) to 86400 (a day)")
                configuration.errorCollapseWindow = Int64(seconds) * 1_000_000
                return []
            },
            ConfigurationKey("notifications", "app-name") { value, configuration throws(ValidationError) in
                configuration.appName = try ConfigurationValue.plainText(value, allowsEmpty: false) ?? ""
                return []
            },
            ConfigurationKey("notifications", "icon") { value, configuration throws(ValidationError) in
                configuration.iconName = try ConfigurationValue.plainText(value, allowsEmpty: true)
                return []
            },
            ConfigurationKey("notifications", "loss-chart") { value, configuration throws(ValidationError) in
                configuration.lossChart = try ConfigurationValue.boolean(value)
                return []
            },
            ConfigurationKey("dnd", "digest") { value, configuration throws(ValidationError) in
                configuration.sendsDigest = try ConfigurationValue.boolean(value)
                return []
            },
            ConfigurationKey("dnd", "quiet-hours") { value, configuration throws(ValidationError) in
                let trimmed = value.trimmingWhitespace
                configuration.quietHours = trimmed.isEmpty ? nil : try QuietHours(parsing: String(trimmed))
                return []
            },
            ConfigurationKey("launcher", "default-app-id") { value, configuration throws(ValidationError) in
                configuration.defaultAppID = try ConfigurationValue.desktopID(value)
                return []
            },
            ConfigurationKey("launcher", "max-updates-per-second") { value, configuration throws(ValidationError) in
                configuration.launcherUpdatesPerSecond = try ConfigurationValue.wholeNumber(value, in: 1...60)
                return []
            },
            ConfigurationKey("launcher", "completion-flash-seconds") { value, configuration throws(ValidationError) in
                let seconds = try ConfigurationValue.wholeNumber(value, in: 0...3_600)
                configuration.completionFlashDuration = Int64(seconds) * 1_000_000
                return []
            },
            ConfigurationKey("launcher", "kde-jobs") { value, configuration throws(ValidationError) in
                configuration.usesKDEJobTracker = try ConfigurationValue.boolean(value)
                return []
            },
            ConfigurationKey("actions", "details", reading: .asWritten) {
                value, configuration throws(ValidationError) in
                let command = try actionCommand(value)
                configuration.detailsCommand = command ?? .openDetails
                return placeholderWarnings(command)
            },
            ConfigurationKey("actions", "retry", reading: .asWritten) { value, configuration throws(ValidationError) in
                configuration.retryCommand = try actionCommand(value)
                return placeholderWarnings(configuration.retryCommand)
            },
            ConfigurationKey("history", "max-records") { value, configuration throws(ValidationError) in
                configuration.historyMaxRecords = try ConfigurationValue.limit(value, upTo: 100_000_000)
                return []
            },
            ConfigurationKey("history", "max-age-days") { value, configuration throws(ValidationError) in
                configuration.historyMaxAgeDays = try ConfigurationValue.limit(value, upTo: 36_500)
                return []
            },
            ConfigurationKey("history", "max-size-mb") { value, configuration throws(ValidationError) in
                configuration.historyMaxSizeMB = try ConfigurationValue.limit(value, upTo: 1_048_576)
                return []
            },
            ConfigurationKey("progress", "stall-minimum-seconds") { value, configuration throws(ValidationError) in
                let seconds = try ConfigurationValue.wholeNumber(value, in: 0...604_800,
                                                                 accepted: "a whole number of seconds from 0 (no stall warnings) to 604800 (a week)")
                configuration.stallMinimum = Int64(seconds) * 1_000_000
                return []
            },
            ConfigurationKey("progress", "stall-factor") { value, configuration throws(ValidationError) in
                let text = value.trimmingWhitespace
                guard let factor = Double(text), factor == 0 || (factor >= 2 && factor <= 10_000) else {
                    throw ValidationError("\(ConfigurationFile.quoted(text.unicodeScalars)) is not a factor; accepted: a number from 2 to 10000 (20: silent for 20 times its usual interval between reports), or 0 for no stall warnings")
                }
                configuration.stallFactor = factor
                return []
            },
            ConfigurationKey("metrics", "loss-jump-factor") { value, configuration throws(ValidationError) in
                let text = value.trimmingWhitespace
                guard let factor = Double(text), factor == 0 || (factor > 1 && factor <= 1_000) else {
                    throw ValidationError("\(ConfigurationFile.quoted(text.unicodeScalars)) is not a factor; accepted: a number above 1 and up to 1000 (3: a loss three times its recent median), or 0 for no warning")
                }
                configuration.lossJumpFactor = factor
                return []
            },
            ConfigurationKey("metrics", "loss-jump-window") { value, configuration throws(ValidationError) in
                configuration.lossJumpWindow = try ConfigurationValue.wholeNumber(value, in: LossWatch.minimumHistory...1_000)
                return []
            },
            ConfigurationKey("remote", "broker") { value, configuration throws(ValidationError) in
                let text = String(value.trimmingWhitespace)
                // The syntax now; plain mqtt:// to another host is refused when the link starts,
                // unless insecure (which may come later in the file).
                if !text.isEmpty { _ = try BrokerURL(parsing: text, insecure: true) }
                configuration.remote.broker = text.isEmpty ? nil : text
                return []
            },
            ConfigurationKey("remote", "insecure") { value, configuration throws(ValidationError) in
                configuration.remote.insecure = try ConfigurationValue.boolean(value)
                return []
            },
            ConfigurationKey("remote", "password-file") { value, configuration throws(ValidationError) in
                let text = String(value.trimmingWhitespace)
                configuration.remote.passwordFile = text.isEmpty ? nil : text
                return []
            },
            ConfigurationKey("remote", "ca-file") { value, configuration throws(ValidationError) in
                let text = String(value.trimmingWhitespace)
                configuration.remote.caFile = text.isEmpty ? nil : text
                return []
            },
            ConfigurationKey("remote", "client-id") { value, configuration throws(ValidationError) in
                let text = String(value.trimmingWhitespace)
                guard text.utf8.count <= 64, !text.contains(where: { $0 == "+" || $0 == "#" || $0 == "/" }) else {
                    throw ValidationError("'\(text)' is not a client id; accepted: at most 64 bytes without '+', '#' or '/'")
                }
                configuration.remote.clientID = text.isEmpty ? nil : text
                return []
            },
            ConfigurationKey("remote", "keep-alive") { value, configuration throws(ValidationError) in
                configuration.remote.keepAlive = try ConfigurationValue.wholeNumber(value, in: 5...3_600)
                return []
            },
            ConfigurationKey("away", "when") { value, configuration throws(ValidationError) in
                configuration.awayRule.when = try ConfigurationValue.awayWhen(value)
                return []
            },
            ConfigurationKey("away", "away-after") { value, configuration throws(ValidationError) in
                configuration.awayRule.awayAfterMinutes = try ConfigurationValue.wholeNumber(
                    value, in: 1...1_440, accepted: "a whole number of minutes without input from 1 to 1440 (a day)")
                return []
            },
        ]

    /// The notification types with title and message templates, in file
    /// order, and which of the two each has.
    static let templatedTypes: [(type: NotificationType, title: Bool, message: Bool)] = [
        (.progress, true, true), (.completion, true, true), (.error, true, true), (.warning, true, true),
        (.digest, true, false),
    ]

    private static let templateKeys: [ConfigurationKey] = templatedTypes.flatMap { type, title, message in
        var keys: [ConfigurationKey] = []
        if title {
            keys.append(
                ConfigurationKey("templates", "\(type.rawValue)-title") {
                    value, configuration throws(ValidationError) in
                    configuration.composer.templates.titleOverrides[type] = MessageTemplate(value)
                    return templateWarnings(value)
                })
        }
        if message {
            keys.append(
                ConfigurationKey("templates", "\(type.rawValue)-message") {
                    value, configuration throws(ValidationError) in
                    configuration.composer.templates.messageOverrides[type] = MessageTemplate(value)
                    return templateWarnings(value)
                })
        }
        return keys
    }

    /// The types with a sound key, in file order.
    static let soundTypes: [NotificationType] = [.progress, .completion, .error, .warning]

    private static let soundKeys: [ConfigurationKey] = soundTypes.map { type in
        ConfigurationKey("sounds", type.rawValue) { value, configuration throws(ValidationError) in
            let sound = try ConfigurationValue.soundName(value)
            configuration.composer.soundNames[type] = sound
            if let sound, sound.hasPrefix("/"), access(sound, R_OK) != 0 {
                return ["cannot read \(sound) (yet): where trainbelld plays the sound itself, it is silent until the file can be read"]
            }
            return []
        }
    } + [
        ConfigurationKey("sounds", "play") { value, configuration throws(ValidationError) in
            configuration.soundFallback = try ConfigurationValue.soundPlayer(value)
            return []
        }
    ]

    /// `[urgency] error_type=urgency`: an entry of the error table.
    private static func urgencyKey(_ name: String) -> ConfigurationKey {
        ConfigurationKey("urgency", name) { value, configuration throws(ValidationError) in
            let errorType = try ConfigurationValue.errorType(name)
            let urgency = try ConfigurationValue.urgency(value)
            var table = configuration.composer.errorClassifier.table
            table[errorType] = urgency
            configuration.composer.errorClassifier = ErrorClassifier(table: table)
            return []
        }
    }

    /// `milestone-N-title` / `milestone-N-message`, or nil when `name` is
    /// not of that form.
    private static func milestoneTemplateKey(_ name: String) -> ConfigurationKey? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "milestone", parts[2] == "title" || parts[2] == "message",
            !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        let isTitle = parts[2] == "title"
        let milestone = Int(parts[1]) ?? Int.max
        return ConfigurationKey("templates", name, milestone: milestone) {
            value, configuration throws(ValidationError) in
            guard (1...99).contains(milestone) else {
                throw ValidationError(
                    "\(parts[1]) is not a milestone with templates of its own; accepted: milestone-N-\(parts[2]) "
                        + "with N from 1 to 99 (100% is the completion: use completion-\(parts[2]))")
            }
            if isTitle {
                configuration.composer.templates.milestoneTitleOverrides[milestone] = MessageTemplate(value)
            } else {
                configuration.composer.templates.milestoneMessageOverrides[milestone] = MessageTemplate(value)
            }
            return templateWarnings(value)
        }
    }

    private static func templateWarnings(_ template: String) -> [String] {
        placeholderWarnings(in: [template], known: MessageTemplate.placeholders)
    }

    private static func actionCommand(_ value: String) throws(ValidationError) -> ActionCommand? {
        value.trimmingWhitespace.isEmpty ? nil : try ActionCommand(parsing: value)
    }

    private static func placeholderWarnings(_ command: ActionCommand?) -> [String] {
        placeholderWarnings(in: command?.arguments ?? [], known: ActionCommand.placeholders)
    }

    /// A warning naming the `{name}`s in `texts` that are not placeholders:
    /// they stay as written, which is most likely a typo.
    private static func placeholderWarnings(in texts: [String], known: [String]) -> [String] {
        var unknown: [String] = []
        for name in texts.flatMap({ ConfigurationValue.unknownPlaceholders(in: $0, known: known) })
        where !unknown.contains(name) {
            unknown.append(name)
        }
        guard !unknown.isEmpty else { return [] }
        let verb = unknown.count == 1 ? "is not a placeholder" : "are not placeholders"
        return [
            "\(unknown.joined(separator: ", ")) \(verb) and stays as written; "
                + "placeholders: \(known.map { "{\($0)}" }.joined(separator: " "))"
        ]
    }
}

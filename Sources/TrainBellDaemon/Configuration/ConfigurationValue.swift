import TrainBellCore

/// Reading the values of the configuration file: each function takes the
/// text after `=` and returns the value, or throws a ``ValidationError``
/// that names the bad text and what is accepted.
///
/// White space around a value is ignored, except in templates.
enum ConfigurationValue {
    /// A whole number in `range`.
    static func wholeNumber(
        _ text: String, in range: ClosedRange<Int>, accepted: String? = nil
    ) throws(ValidationError) -> Int {
        let accepted = accepted ?? "a whole number from \(range.lowerBound) to \(range.upperBound)"
        let trimmed = text.trimmingWhitespace
        guard let number = Int(trimmed) else {
            let digits = trimmed.first == "-" || trimmed.first == "+" ? trimmed.dropFirst() : trimmed
            let isTooLong = !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
            let problem =
                isTooLong
                ? "\(trimmed) is out of range"
                : "\(ConfigurationFile.quoted(trimmed.unicodeScalars)) is not a whole number"
            throw ValidationError("\(problem); accepted: \(accepted)")
        }
        guard range.contains(number) else {
            throw ValidationError("\(number) is out of range; accepted: \(accepted)")
        }
        return number
    }

    /// A whole number in `range` where 0 means "no limit" (nil).
    static func limit(_ text: String, upTo maximum: Int) throws(ValidationError) -> Int? {
        let number = try wholeNumber(
            text, in: 0...maximum, accepted: "a whole number from 1 to \(maximum), or 0 for no limit")
        return number == 0 ? nil : number
    }

    /// What a boolean may be, for error messages.
    static let acceptedBooleans = "true or false (also yes/no, on/off, 1/0)"

    /// `true` or `false`; also `yes`/`no`, `on`/`off`, `1`/`0`, in any case.
    static func boolean(_ text: String) throws(ValidationError) -> Bool {
        switch text.trimmingWhitespace.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            throw ValidationError(
                "\(ConfigurationFile.quoted(text.trimmingWhitespace.unicodeScalars)) is not a boolean; "
                    + "accepted: \(acceptedBooleans)")
        }
    }

    /// What a milestone list may be, for error messages.
    static let acceptedPercentages = "whole numbers 1 to 100 separated by ';'"

    /// Percentages separated by `;` (GKeyFile's list separator); empty
    /// items are skipped, so `25;50;` is `25;50`. 100 is always added.
    static func milestones(_ text: String) throws(ValidationError) -> MilestoneSet {
        var percentages: [Int] = []
        for item in text.split(separator: ";") where !item.trimmingWhitespace.isEmpty {
            percentages.append(try wholeNumber(String(item), in: 1...100, accepted: acceptedPercentages))
        }
        return try MilestoneSet(percentages)
    }

    /// A name made of ASCII letters, digits, `-`, `_` and `.`, or nil when
    /// `text` is blank and `allowsEmpty`.
    static func name(
        _ text: String, describedAs kind: String, accepted: String, allowsEmpty: Bool = true
    ) throws(ValidationError) -> String? {
        let trimmed = text.trimmingWhitespace
        if trimmed.isEmpty, allowsEmpty { return nil }
        guard !trimmed.isEmpty, trimmed.unicodeScalars.allSatisfy(isNameScalar) else {
            throw ValidationError(
                "\(ConfigurationFile.quoted(trimmed.unicodeScalars)) is not \(kind); accepted: \(accepted)")
        }
        return String(trimmed)
    }

    /// What `[sounds]` accepts per type, for error messages.
    static let acceptedSounds = "a sound-theme name such as complete or dialog-error (letters, digits, '-', '_', '.'), "
        + "the absolute path of a sound file such as /usr/share/sounds/freedesktop/stereo/bell.oga, or empty for no sound"

    /// A sound-theme event id (`complete`, `dialog-error`), the absolute path
    /// of a sound file, or nil for silence.
    static func soundName(_ text: String) throws(ValidationError) -> String? {
        let trimmed = text.trimmingWhitespace
        guard trimmed.hasPrefix("/") else {
            return try name(text, describedAs: "a sound", accepted: acceptedSounds)
        }
        guard trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }), !trimmed.hasSuffix("/") else {
            throw ValidationError("\(ConfigurationFile.quoted(trimmed.unicodeScalars)) is not a sound; accepted: \(acceptedSounds)")
        }
        return String(trimmed)
    }

    /// `[sounds] play`: `auto` (trainbelld plays where the server cannot) or
    /// `server` (only the notification server plays sounds).
    static func soundPlayer(_ text: String) throws(ValidationError) -> SoundFallback {
        switch text.trimmingWhitespace.lowercased() {
        case "auto": return SoundFallback(isEnabled: true)
        case "server": return SoundFallback(isEnabled: false)
        default:
            throw ValidationError(
                "\(ConfigurationFile.quoted(text.trimmingWhitespace.unicodeScalars)) is not who plays sounds; accepted: "
                    + "auto (the notification server where it can, else trainbelld) or server (the notification server only)")
        }
    }

    /// `[away] when`: what makes the user away from the desk.
    static func awayWhen(_ text: String) throws(ValidationError) -> AwayRule.When {
        let trimmed = text.trimmingWhitespace
        guard let when = AwayRule.When(rawValue: trimmed.lowercased()) else {
            throw ValidationError(
                "\(ConfigurationFile.quoted(trimmed.unicodeScalars)) is not when you are away; accepted: "
                    + "locked (the screen is locked), idle (locked, or no input for away-after minutes), always or never")
        }
        return when
    }

    /// A desktop entry id with or without `.desktop` (returned without),
    /// or nil when blank.
    static func desktopID(_ text: String) throws(ValidationError) -> String? {
        let accepted =
            "a desktop entry id such as org.gnome.Terminal (letters, digits, '-', '_', '.'), "
            + "with or without .desktop; empty for none"
        guard let id = try name(text, describedAs: "a desktop entry id", accepted: accepted) else { return nil }
        let bare = AppID.stripping(id)
        guard !bare.isEmpty, !bare.hasPrefix("."), !bare.hasSuffix(".") else {
            throw ValidationError(
                "\(ConfigurationFile.quoted(id.unicodeScalars)) is not a desktop entry id; accepted: \(accepted)")
        }
        return bare
    }

    /// An error type as a trainer reports it (`oom_error`), lowercased:
    /// the error table ignores letter case.
    static func errorType(_ text: String) throws(ValidationError) -> String {
        let accepted = "an error type such as oom_error or my_custom_error (letters, digits, '-', '_', '.')"
        return try name(text, describedAs: "an error type", accepted: accepted, allowsEmpty: false)?.lowercased() ?? ""
    }

    /// `low`, `normal`, `high` or `critical` (any case; also the wire bytes).
    static func urgency(_ text: String) throws(ValidationError) -> Urgency {
        guard let urgency = Urgency(lenient: text) else {
            throw ValidationError(
                "\(ConfigurationFile.quoted(text.trimmingWhitespace.unicodeScalars)) is not an urgency; "
                    + "accepted: \(Urgency.acceptedSpellings)")
        }
        return urgency
    }

    /// Text without control characters, or nil when blank and
    /// `allowsEmpty`.
    static func plainText(_ text: String, allowsEmpty: Bool) throws(ValidationError) -> String? {
        let trimmed = text.trimmingWhitespace
        if trimmed.isEmpty {
            if allowsEmpty { return nil }
            throw ValidationError("the value is empty; accepted: text without control characters")
        }
        if let control = trimmed.unicodeScalars.first(where: isControl) {
            throw ValidationError(
                "the value contains the control character \(ConfigurationFile.quoted([control])); "
                    + "accepted: text without control characters")
        }
        return String(trimmed)
    }

    /// The placeholders written in `text` (`{name}` with a name of ASCII
    /// letters, digits, `_` and `-`) that are not in `known`, in order.
    static func unknownPlaceholders(in text: String, known: [String]) -> [String] {
        var unknown: [String] = []
        var rest = text.unicodeScalars[...]
        while let open = rest.firstIndex(of: "{") {
            rest = rest[rest.index(after: open)...]
            guard let close = rest.firstIndex(where: { !isNameScalar($0) || $0 == "." }), rest[close] == "}",
                close != rest.startIndex
            else { continue }
            let name = String(String.UnicodeScalarView(rest[..<close]))
            if !known.contains(name), !unknown.contains("{\(name)}") { unknown.append("{\(name)}") }
        }
        return unknown
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

import Glibc

/// The command line of libnotify 0.8.1's `notify-send`, read the way GLib's `GOption` reads it: long
/// options as `--name=value` or `--name value`, grouped short flags (`-pe`), a short option's value in the
/// next argument even when it starts with `-` (`-t -1`), options after the positionals, `--` ending options.
/// Errors carry GOption's own wording, which `notify-send` prints before exiting with status 1.
struct NotifySendArguments: Equatable {
    /// The wire byte: 0 low, 1 normal, 2 critical.
    var urgency: UInt8 = 1
    var expireTimeout: Int32 = -1
    var appName: String?
    var icon: String?
    var category: String?
    var transient = false
    /// `TYPE:NAME:VALUE`, in the order given.
    var hints: [String] = []
    var printID = false
    /// As typed: notify-send warns about a negative id and replaces nothing.
    var replaceID: Int32 = 0
    var wait = false
    /// `[NAME=]Text`, in the order given.
    var actions: [String] = []
    var version = false
    var help = false
    /// SUMMARY and BODY (and whatever else was given, which `notify-send` refuses later).
    var positionals: [String] = []

    /// The options `notify-send` knows, by long name and short letter.
    private enum Option: CaseIterable {
        case urgency, expireTime, appName, icon, category, transient, hint, printID, replaceID, wait, action, version
        case help, helpAll

        var long: String {
            switch self {
            case .urgency: "urgency"
            case .expireTime: "expire-time"
            case .appName: "app-name"
            case .icon: "icon"
            case .category: "category"
            case .transient: "transient"
            case .hint: "hint"
            case .printID: "print-id"
            case .replaceID: "replace-id"
            case .wait: "wait"
            case .action: "action"
            case .version: "version"
            case .help: "help"
            case .helpAll: "help-all"
            }
        }

        var short: Character? {
            switch self {
            case .urgency: "u"
            case .expireTime: "t"
            case .appName: "a"
            case .icon: "i"
            case .category: "c"
            case .transient: "e"
            case .hint: "h"
            case .printID: "p"
            case .replaceID: "r"
            case .wait: "w"
            case .action: "A"
            case .version: "v"
            case .help: "?"
            case .helpAll: nil
            }
        }

        var takesValue: Bool {
            switch self {
            case .urgency, .expireTime, .appName, .icon, .category, .hint, .replaceID, .action: true
            case .transient, .printID, .wait, .version, .help, .helpAll: false
            }
        }
    }

    init() {}

    /// Parses the arguments after `send`. Stops at `--help`, as GOption prints its help there and exits.
    init(parsing arguments: [String]) throws(NotifySendUsageError) {
        var index = 0
        var optionsEnded = false
        func nextValue(for spelled: String) throws(NotifySendUsageError) -> String {
            guard index < arguments.count else { throw NotifySendUsageError("Missing argument for \(spelled)") }
            defer { index += 1 }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                positionals.append(argument)
            } else if argument == "--" {
                optionsEnded = true
            } else if argument.hasPrefix("--") {
                let text = argument.dropFirst(2)
                let name = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                guard let option = Option.allCases.first(where: { $0.long == name }) else {
                    throw NotifySendUsageError("Unknown option \(argument)")
                }
                let spelled = "--" + name
                var value: String? = nil
                if option.takesValue {
                    if let equals = text.firstIndex(of: "=") {
                        value = String(text[text.index(after: equals)...])
                    } else {
                        value = try nextValue(for: spelled)
                    }
                }
                try apply(option, value, spelled: spelled)
            } else {
                // A group of short options; each one that takes a value takes the next argument.
                var tookValue = false
                for letter in argument.dropFirst() {
                    guard let option = Option.allCases.first(where: { $0.short == letter }) else {
                        throw NotifySendUsageError("Unknown option \(argument)")
                    }
                    let spelled = "-\(letter)"
                    var value: String? = nil
                    if option.takesValue {
                        if tookValue { throw NotifySendUsageError("Error parsing option \(spelled)") }
                        value = try nextValue(for: spelled)
                        tookValue = true
                    }
                    try apply(option, value, spelled: spelled)
                    if help { return }
                }
            }
            if help { return }
        }
    }

    private mutating func apply(_ option: Option, _ value: String?, spelled: String) throws(NotifySendUsageError) {
        let value = value ?? ""
        switch option {
        case .urgency:
            switch value.asciiLowercased {
            case "low": urgency = 0
            case "normal": urgency = 1
            case "critical": urgency = 2
            default:
                throw NotifySendUsageError("Unknown urgency \(value) specified. Known urgency levels: low, normal, critical.")
            }
        case .expireTime: expireTimeout = try Self.integer(value, for: spelled)
        case .appName: appName = value
        case .icon: icon = value
        case .category: category = value
        case .transient: transient = true
        case .hint: hints.append(value)
        case .printID: printID = true
        case .replaceID: replaceID = try Self.integer(value, for: spelled)
        case .wait: wait = true
        case .action: actions.append(value)
        case .version: version = true
        case .help, .helpAll: help = true
        }
    }

    /// GOption's `G_OPTION_ARG_INT`: `strtol` with base 0 (so `0x10` and `010` too), the whole text, an `int`.
    static func integer(_ text: String, for spelled: String) throws(NotifySendUsageError) -> Int32 {
        var parsed: Int? = nil
        var outOfRange = false
        text.withCString { start in
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtol(start, &end, 0)
            guard start.pointee != 0, let end, end.pointee == 0 else { return }
            outOfRange = errno == ERANGE || value < Int(Int32.min) || value > Int(Int32.max)
            parsed = value
        }
        guard let parsed else { throw NotifySendUsageError("Cannot parse integer value “\(text)” for \(spelled)") }
        guard !outOfRange else { throw NotifySendUsageError("Integer value “\(text)” for \(spelled) out of range") }
        return Int32(parsed)
    }
}

/// Bad input to `send`, in `notify-send`'s words; it exits with status 1.
struct NotifySendUsageError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension StringProtocol {
    /// ASCII letters lowered, as `strcasecmp` compares in the C locale.
    var asciiLowercased: String {
        String(decoding: utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}

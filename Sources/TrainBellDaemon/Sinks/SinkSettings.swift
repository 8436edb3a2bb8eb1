import TrainBellCore

/// One `[sink NAME]` of the configuration: where events go when you are away (or always), which
/// events, and where its secret is. Secrets are never in the configuration itself: `token-file` /
/// `password-file` name a file (its first line), `credential` a systemd credential.
struct SinkSettings: Sendable, Hashable {
    enum When: String, Sendable, Hashable, CaseIterable {
        case away, always
    }

    let name: String
    let target: SinkTarget
    let events: Set<SinkEvent.Kind>
    let when: When
    /// The secret's file, or nil.
    let secretFile: String?
    /// The systemd credential of the secret ($CREDENTIALS_DIRECTORY/NAME), or nil.
    let credential: String?
    /// Sends at most this many in a minute (the rest wait).
    let ratePerMinute: Int
    /// A request's whole time, in seconds.
    let timeout: Int

    static let defaultEvents: Set<SinkEvent.Kind> = [.error, .completion, .stall]
    static let keys = ["type", "events", "when", "url", "topic", "preset", "room", "template", "token-file", "password-file",
                       "credential", "from", "to", "user", "command", "details-url", "rate-limit", "timeout"]

    /// The name of `[sink NAME]`: letters, digits, `-`, `_`, at most 64.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
    }

    /// Reads the keys of `[sink NAME]`; the error names the key (the caller adds file and line).
    static func parse(name: String, values: [String: String]) throws(ValidationError) -> SinkSettings {
        func text(_ key: String) -> String? { values[key].map { $0.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 } }
        func required(_ key: String, _ what: String) throws(ValidationError) -> String {
            guard let value = text(key) else { throw ValidationError("\(key) is missing; accepted: \(what)") }
            return value
        }
        func url(_ key: String, schemes: [String]) throws(ValidationError) -> String {
            let value = try required(key, schemes.map { $0 + "://…" }.joined(separator: " or "))
            guard let scheme = value.split(separator: ":", maxSplits: 1).first.map(String.init), schemes.contains(scheme.lowercased()),
                  value.dropFirst(scheme.count).hasPrefix("://"), value.count > scheme.count + 3,
                  !value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f })
            else {
                // Not the value itself: a webhook's URL is its secret, and this goes to the journal.
                let shown = value.unicodeScalars.count > 12 ? String(String.UnicodeScalarView(value.unicodeScalars.prefix(12))) + "…" : value
                throw ValidationError("\(key): \(shown.debugDescription) is not a URL; accepted: \(schemes.map { $0 + "://HOST/…" }.joined(separator: " or "))")
            }
            return value
        }
        for secret in ["token", "password", "secret"] where values[secret] != nil {
            throw ValidationError("\(secret) is not read from the configuration (it would sit in a file others may read, and in logs); "
                                  + "accepted: token-file=PATH or password-file=PATH (its first line), or credential=NAME (systemd)")
        }
        let type = try required("type", "ntfy, webhook, email, mqtt or command")
        let target: SinkTarget
        switch type {
        case "ntfy":
            let server = text("url") == nil ? "https://ntfy.sh" : try url("url", schemes: ["https", "http"])
            let topic = try required("topic", "the ntfy topic (letters, digits, - and _)")
            guard topic.utf8.count <= 64, topic.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
                throw ValidationError("topic: \(topic) is not an ntfy topic; accepted: 1 to 64 letters, digits, - and _")
            }
            let details = text("details-url") == nil ? nil : try url("details-url", schemes: ["https", "http"])
            target = .ntfy(server: server, topic: topic, detailsURL: details)
        case "webhook":
            let address = try url("url", schemes: ["https", "http"])
            let preset: WebhookPreset
            switch text("preset") ?? "raw" {
            case "slack": preset = .slack
            case "discord": preset = .discord
            case "matrix": preset = .matrix(room: try required("room", "the room id (!abc:example.org)"))
            case "raw":
                let template = text("template") ?? #"{"title": "{title}", "message": "{message}", "job": "{job}", "host": "{host}", "event": "{kind}"}"#
                preset = .raw(template: template)
            case let other: throw ValidationError("preset: \(other) is not known; accepted: slack, discord, matrix or raw")
            }
            target = .webhook(url: address, preset: preset)
        case "email":
            let address = try url("url", schemes: ["smtp", "smtps"])
            let from = try required("from", "the sender's address")
            let to = try required("to", "one or more addresses separated by ','").split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            for (key, mailbox) in [("from", from)] + to.map({ ("to", $0) })
            where !mailbox.contains("@") || mailbox.contains(where: { $0 == "<" || $0 == ">" || $0 == " " }) {
                throw ValidationError("\(key): \(mailbox) is not a mail address; accepted: name@domain")
            }
            target = .email(url: address, from: from, to: to, user: text("user"))
        case "mqtt":
            let topic = try required("topic", "a topic of [remote] broker")
            guard !topic.contains("+"), !topic.contains("#") else { throw ValidationError("topic: \(topic) has a wildcard; accepted: a topic to publish to") }
            target = .mqtt(topic: topic)
        case "command":
            let line = try required("command", "a command line (an argument vector, run without a shell)")
            let arguments: [String]
            do { arguments = try CommandLineSplitter.split(line) } catch { throw ValidationError("command: \(error.message)") }
            guard let program = arguments.first, !program.isEmpty else {
                throw ValidationError("command: \(line) names no program; accepted: \(CommandLineSplitter.acceptedValues)")
            }
            target = .command(arguments)
        default:
            throw ValidationError("type: \(type) is not known; accepted: ntfy, webhook, email, mqtt or command")
        }
        var events = defaultEvents
        if let list = text("events") {
            events = []
            for word in list.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) {
                guard let kind = SinkEvent.Kind(rawValue: word) else {
                    throw ValidationError("events: \(word) is not an event; accepted: \(SinkEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                events.insert(kind)
            }
        }
        let when = try text("when").map { (value: String) throws(ValidationError) -> When in
            guard let when = When(rawValue: value) else { throw ValidationError("when: \(value) is not known; accepted: away or always") }
            return when
        } ?? .away
        func number(_ key: String, in range: ClosedRange<Int>, otherwise value: Int) throws(ValidationError) -> Int {
            guard let text = text(key) else { return value }
            do { return try ConfigurationValue.wholeNumber(text, in: range) } catch { throw ValidationError("\(key): \(error.message)") }
        }
        let rate = try number("rate-limit", in: 1...60_000, otherwise: 10)
        let timeout = try number("timeout", in: 1...300, otherwise: 15)
        let secrets = ["token-file", "password-file", "credential"].filter { text($0) != nil }
        guard secrets.count <= 1 else {
            throw ValidationError("\(secrets.joined(separator: " and ")) are set together; accepted: one of token-file, password-file or credential")
        }
        let secretKey = secrets.first ?? ""
        let secretFile = text("token-file") ?? text("password-file")
        if let secretFile, !secretFile.hasPrefix("/"), !secretFile.hasPrefix("~/") {
            throw ValidationError("\(secretKey): \(secretFile) is relative; accepted: an absolute path or ~/…")
        }
        if let credential = text("credential"), credential.contains("/") || credential == "." || credential == ".." {
            throw ValidationError("credential: \(credential) is not a credential's name; accepted: the NAME of LoadCredential=NAME:PATH (no /)")
        }
        return SinkSettings(name: name, target: target, events: events, when: when, secretFile: secretFile,
                            credential: text("credential"), ratePerMinute: rate, timeout: timeout)
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

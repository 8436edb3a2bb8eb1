/// Where a `[sink NAME]` sends, and how (its `type` and keys), checked when the configuration is read.
public enum SinkTarget: Sendable, Hashable {
    /// ntfy (ntfy.sh or a server of your own): `POST server/topic`, the message as the body.
    case ntfy(server: String, topic: String, detailsURL: String?)
    /// `POST url` with a JSON body: Slack's and Discord's incoming webhooks, a Matrix room (the
    /// client-server API), or a template of your own.
    case webhook(url: String, preset: WebhookPreset)
    /// One plain-text mail per event, through SMTP (`smtp://` with STARTTLS, `smtps://` TLS at once).
    case email(url: String, from: String, to: [String], user: String?)
    /// A message on a topic of `[remote] broker` (Home Assistant, Node-RED, …).
    case mqtt(topic: String)
    /// An argument vector, run directly (never a shell): the event as JSON on its standard input
    /// and as `TRAINBELL_*` variables.
    case command([String])

    public var typeName: String {
        switch self {
        case .ntfy: "ntfy"
        case .webhook: "webhook"
        case .email: "email"
        case .mqtt: "mqtt"
        case .command: "command"
        }
    }
}

/// The body format of a `webhook` sink.
public enum WebhookPreset: Sendable, Hashable {
    /// `{"text": "*title*\nmessage"}` (Slack incoming webhooks, Mattermost), `&`, `<`, `>` escaped.
    case slack
    /// `{"content": "**title**\nmessage", "allowed_mentions": {"parse": []}}` (Discord webhooks).
    case discord
    /// `PUT url/_matrix/client/v3/rooms/ROOM/send/m.room.message/TXN` with
    /// `{"msgtype": "m.text", "body": …, "m.mentions": {}}`; `url` is the homeserver.
    case matrix(room: String)
    /// `template`, with `{title}`, `{message}`, `{job}`, `{host}`, `{kind}`, `{urgency}`,
    /// `{error_type}` and `{time}` replaced by JSON-escaped text (without the quotes).
    case raw(template: String)

    public static let placeholders = ["title", "message", "job", "host", "kind", "urgency", "error_type", "time"]
}

/// One request a sink makes for an event, built without I/O (the daemon carries it out).
public enum SinkRequest: Sendable, Hashable {
    case http(method: String, url: String, headers: [String], body: String)
    case mail(url: String, from: String, to: [String], text: String)
    case publish(topic: String, payload: String)
    case run(arguments: [String], input: String, environment: [(String, String)])

    public static func == (a: SinkRequest, b: SinkRequest) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

extension SinkRequest: CustomStringConvertible {
    public var description: String {
        switch self {
        case .http(let method, let url, let headers, let body): "\(method) \(url) \(headers) \(body)"
        case .mail(let url, let from, let to, let text): "mail \(url) \(from) \(to) \(text)"
        case .publish(let topic, let payload): "publish \(topic) \(payload)"
        case .run(let arguments, let input, let environment): "run \(arguments) \(input) \(environment.map { "\($0.0)=\($0.1)" })"
        }
    }
}

extension SinkTarget {
    /// The request for `event`. `token`: the sink's secret (ntfy and Matrix: a bearer token).
    /// `id`: the outbox item's id (Matrix's transaction id: a retry is not posted twice).
    /// `date`: RFC 5322 date of now, `hostName`: this machine (the mail's headers).
    public func request(for event: SinkEvent, token: String?, id: UInt64, date: String = "", hostName: String = "localhost") -> SinkRequest {
        let bearer = token.map { ["Authorization: Bearer \($0)"] } ?? []
        switch self {
        case .ntfy(let server, let topic, let detailsURL):
            var headers = ["Title: " + HeaderText.encoded(event.title), "Priority: \(event.ntfyPriority)",
                           "Tags: " + event.ntfyTags.joined(separator: ",")]
            if let detailsURL, event.record > 0 {
                let link = detailsURL.replacingPlaceholder("record", with: String(event.record))
                headers.append("Actions: view, View Details, \(link)")
            }
            // ntfy turns a body over 4,096 bytes into an attachment: the phone would show none of the text.
            return .http(method: "POST", url: server.trimmingSuffix("/") + "/" + topic, headers: headers + bearer,
                         body: NotificationText.prefix(event.messageWithHost, maxUTF8Bytes: SinkTextLimit.ntfy))
        case .webhook(let url, let preset):
            let json = ["Content-Type: application/json"]
            switch preset {
            case .slack:
                // Slack reads <…> as links and mentions (<!channel>) and & as an entity: text is escaped as it asks.
                let text = NotificationText.prefix("*\(SinkTextLimit.slackEscaped(event.title))*\n\(SinkTextLimit.slackEscaped(event.messageWithHost))",
                                                   maxUTF8Bytes: SinkTextLimit.slack)
                return .http(method: "POST", url: url, headers: json, body: "{\"text\": " + JSONString.quoted(text) + "}")
            case .discord:
                // Discord refuses content over 2,000 characters (400, for good); no @everyone or role from a message pings anyone.
                let text = NotificationText.prefix("**\(event.title)**\n\(event.messageWithHost)", maxUTF8Bytes: SinkTextLimit.discord)
                return .http(method: "POST", url: url, headers: json,
                             body: "{\"content\": " + JSONString.quoted(text) + ", \"allowed_mentions\": {\"parse\": []}}")
            case .matrix(let room):
                let path = "/_matrix/client/v3/rooms/" + PercentEncoding.segment(room) + "/send/m.room.message/trainbell-\(id)"
                // Events over 64 KiB are refused (413); an empty m.mentions: "@room" in a message notifies no one.
                let text = NotificationText.prefix("\(event.title)\n\(event.messageWithHost)", maxUTF8Bytes: SinkTextLimit.matrix)
                let body = "{\"msgtype\": \"m.text\", \"body\": " + JSONString.quoted(text) + ", \"m.mentions\": {}}"
                return .http(method: "PUT", url: url.trimmingSuffix("/") + path, headers: json + bearer, body: body)
            case .raw(let template):
                return .http(method: "POST", url: url, headers: json + bearer, body: event.fill(template))
            }
        case .email(let url, let from, let to, _):
            return .mail(url: url, from: from, to: to, text: MailText.message(for: event, from: from, to: to, date: date, id: id, hostName: hostName))
        case .mqtt(let topic):
            return .publish(topic: topic, payload: event.json)
        case .command(let arguments):
            return .run(arguments: arguments, input: event.json + "\n", environment: event.environment)
        }
    }
}

extension SinkEvent {
    /// The message, and "on HOST" for a remote job (as the bubble says).
    public var messageWithHost: String {
        host.isEmpty || message.hasSuffix("on \(host)") ? message : message + " on \(host)"
    }

    /// ntfy's priority (1 min … 5 max) from the kind and the urgency.
    var ntfyPriority: Int {
        switch (kind, urgency) {
        case (.error, "critical"): 5
        case (.error, _), (.stall, _): 4
        case (_, "critical"): 4
        case (_, "low"), (.progress, _): 2
        default: 3
        }
    }

    /// ntfy's tags: an emoji short code of the kind, then trainbell and the host.
    var ntfyTags: [String] {
        let emoji = switch kind {
        case .error: "rotating_light"
        case .completion: "tada"
        case .warning: "warning"
        case .stall: "hourglass"
        case .progress: "chart_with_upwards_trend"
        case .digest, .custom: "bell"
        }
        return [emoji, "trainbell"] + (host.isEmpty ? [] : [host]) + (errorType.isEmpty ? [] : [errorType])
    }

    func fill(_ template: String) -> String {
        let values = ["title": title, "message": messageWithHost, "job": job, "host": host, "kind": kind.rawValue,
                      "urgency": urgency, "error_type": errorType, "time": SinkEvent.number(time)]
        var output = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            let after = rest.index(after: open)
            if let close = rest[after...].firstIndex(of: "}"), let value = values[String(rest[after..<close])] {
                output += JSONString.quoted(value).dropFirst().dropLast()
                rest = rest[rest.index(after: close)...]
            } else {
                output += "{"
                rest = rest[after...]
            }
        }
        return output + rest
    }
}

/// What each service takes of a message: past it the text is cut, ending with "…" (the whole text
/// stays in the history, and goes whole by mail, MQTT and commands).
public enum SinkTextLimit {
    /// ntfy: a body over 4,096 bytes becomes an attachment.
    public static let ntfy = 4_096
    /// Discord: content of at most 2,000 characters (a UTF-8 byte is at most one character).
    public static let discord = 2_000
    /// Slack: text past 40,000 characters is cut by Slack itself.
    public static let slack = 40_000
    /// Matrix: an event of at most 64 KiB, escapes included.
    public static let matrix = 16_384

    /// Slack's escaping of message text: `&`, `<` and `>` as entities, nothing else.
    public static func slackEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Header values: printable ASCII as it is, anything else as one RFC 2047 encoded word (UTF-8,
/// base64), as ntfy and mail readers decode it.
public enum HeaderText {
    public static func encoded(_ text: String) -> String {
        let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : Character($0) })
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }) { return clean }
        return "=?UTF-8?B?" + Base64.encode(Array(clean.utf8)) + "?="
    }
}

public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let a = bytes[index], b = index + 1 < bytes.count ? bytes[index + 1] : 0, c = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(a >> 2)])
            out.append(alphabet[Int((a & 0x03) << 4 | b >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b & 0x0f) << 2 | c >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(c & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public enum PercentEncoding {
    /// `text` as one URL path segment: unreserved characters as they are, every other byte %XX.
    public static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// The mail a `email` sink sends: RFC 5322 headers (CRLF), a plain-text UTF-8 body.
public enum MailText {
    public static func message(for event: SinkEvent, from: String, to: [String], date: String, id: UInt64, hostName: String) -> String {
        let subject = event.host.isEmpty ? event.title : "\(event.title) (\(event.host))"
        var body = event.messageWithHost + "\n\n"
        if !event.job.isEmpty { body += "Job: \(event.job)\n" }
        if !event.host.isEmpty { body += "Host: \(event.host)\n" }
        if !event.errorType.isEmpty { body += "Error type: \(event.errorType)\n" }
        body += "Urgency: \(event.urgency)\n-- \ntrainbell\n"
        let headers = [
            "Date: \(date)", "From: trainbell <\(from)>", "To: " + to.joined(separator: ", "),
            "Subject: " + HeaderText.encoded(subject),
            "Message-ID: <trainbell.\(id).\(SinkEvent.number(event.time))@\(hostName)>",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
            "X-Trainbell-Event: \(event.kind.rawValue)",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body.withCRLF
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }

    func replacingPlaceholder(_ name: String, with value: String) -> String {
        let token = Array(("{" + name + "}").unicodeScalars)
        let scalars = Array(unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if index + token.count <= scalars.count, Array(scalars[index..<index + token.count]) == token {
                output.append(contentsOf: value.unicodeScalars)
                index += token.count
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return String(output)
    }

    /// Line ends as CRLF (what SMTP carries), whatever they were: CRLF, LF, or a lone CR (a
    /// progress bar's), which SMTP servers refuse bare.
    var withCRLF: String {
        replacing("\r\n", with: "\n").replacing("\r", with: "\n").replacing("\n", with: "\r\n")
    }
}

/// The topics of trainbell's MQTT schema under a base `B` (the broker URL's path):
/// `B/events`, `B/progress/<host>/<job>`, `B/actions/<host>/<job>`. Host and job are escaped as
/// one topic segment each: `%`, `/`, `+`, `#` become `%25`, `%2F`, `%2B`, `%23` (and NUL, which
/// MQTT forbids, `%00`), so any job id is one segment and none is a wildcard.
public enum MQTTTopic {
    /// One topic segment for `text`.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "/": out += "%2F"
            case "+": out += "%2B"
            case "#": out += "%23"
            case "\u{0}": out += "%00"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The text of an escaped segment; nil when it holds a `/`, a wildcard, or a `%` not followed by
    /// one of the escapes above.
    public static func unescape(_ segment: Substring) -> String? {
        var out = ""
        var scalars = segment.unicodeScalars[...]
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            switch scalar {
            case "/", "+", "#": return nil
            case "%":
                let code = String(String.UnicodeScalarView(scalars.prefix(2))).uppercased()
                scalars = scalars.dropFirst(2)
                switch code {
                case "25": out += "%"
                case "2F": out += "/"
                case "2B": out += "+"
                case "23": out += "#"
                case "00": out += "\u{0}"
                default: return nil
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func events(_ base: String) -> String { base + "/events" }
    public static func progress(_ base: String, host: String, job: String) -> String {
        base + "/progress/" + escape(host) + "/" + escape(job)
    }
    public static func actions(_ base: String, host: String, job: String) -> String {
        base + "/actions/" + escape(host) + "/" + escape(job)
    }
    /// What trainbelld subscribes to for progress (one level each for host and job).
    public static func progressFilter(_ base: String) -> String { base + "/progress/+/+" }
    /// What a publisher subscribes to for its actions (`host` nil: all hosts).
    public static func actionsFilter(_ base: String, host: String?) -> String {
        base + "/actions/" + (host.map(escape) ?? "+") + "/+"
    }

    /// What a topic under `base` is, when it is one of the schema's.
    public enum Kind: Sendable, Hashable {
        case events
        case progress(host: String, job: String)
        case actions(host: String, job: String)
    }

    public static func kind(of topic: String, base: String) -> Kind? {
        // By Unicode scalars, not characters: a segment may start with a combining mark.
        let prefix = Array((base + "/").unicodeScalars)
        let scalars = Array(topic.unicodeScalars)
        guard scalars.starts(with: prefix) else { return nil }
        let parts = scalars[prefix.count...].split(separator: "/", omittingEmptySubsequences: false)
            .map { Substring(String(String.UnicodeScalarView($0))) }
        if parts == ["events"] { return .events }
        guard parts.count == 3, let host = unescape(parts[1]), let job = unescape(parts[2]) else { return nil }
        switch parts[0] {
        case "progress": return .progress(host: host, job: job)
        case "actions": return .actions(host: host, job: job)
        default: return nil
        }
    }
}

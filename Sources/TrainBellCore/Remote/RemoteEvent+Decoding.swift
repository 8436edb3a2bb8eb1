extension RemoteEvent {
    /// The longest event id accepted (a uuid is 36).
    public static let maximumIDLength = 200
    /// The longest job id accepted (the desktop's own limit applies after).
    public static let maximumJobLength = 255

    /// Decodes and checks one message of schema v1. Unknown members are ignored (newer publishers
    /// may add some); a wrong `v`, a missing or ill-typed required member, an unknown `event` or a
    /// payload over ``maximumPayload`` are refused, saying which.
    public static func decode(_ payload: [UInt8]) throws(RemoteEventRefusal) -> RemoteEvent {
        guard payload.count <= maximumPayload else {
            throw RemoteEventRefusal(.tooLarge, "a payload of \(payload.count) bytes (at most \(maximumPayload))")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(payload)
        } catch {
            throw RemoteEventRefusal(.malformed, "not JSON: \(error)")
        }
        guard let object = value.objectValue else { throw RemoteEventRefusal(.malformed, "not a JSON object") }
        guard let v = object["v"] else { throw RemoteEventRefusal(.wrongVersion, "no schema version 'v'") }
        guard v.numberValue == Double(version) else {
            throw RemoteEventRefusal(.wrongVersion, "schema version \(v.encoded.prefix(20)) (this trainbelld reads \(version))")
        }
        func string(_ name: String, maximum: Int = 1 << 20, optional: Bool = false) throws(RemoteEventRefusal) -> String? {
            guard let member = object[name], member != .null || !optional else {
                if optional { return nil }
                throw .missing(name, "a string")
            }
            guard let text = member.stringValue, text.utf8.count <= maximum else {
                throw .missing(name, "a string of at most \(maximum) bytes")
            }
            return text
        }
        func whole(_ name: String) throws(RemoteEventRefusal) -> UInt64 {
            guard let number = object[name]?.wholeNumber else { throw .missing(name, "a whole number from 0 to 2^53") }
            return number
        }
        guard let id = try string("id", maximum: maximumIDLength), !id.isEmpty else { throw .missing("id", "a non-empty string") }
        guard let host = try string("host", maximum: 64), RemoteHostName.isValid(host) else {
            throw .missing("host", "a host name of " + RemoteHostName.accepted)
        }
        guard let job = try string("job", maximum: maximumJobLength), !job.isEmpty else {
            throw .missing("job", "a non-empty string of at most \(maximumJobLength) bytes")
        }
        guard let event = object["event"]?.stringValue else { throw .missing("event", "a string") }
        guard Kind.names.contains(event) else {
            throw RemoteEventRefusal(.unknownEvent, "unknown event '\(event.prefix(40))' (known: \(Kind.names.sorted().joined(separator: ", ")))")
        }
        guard let time = object["time"]?.numberValue, time.isFinite else { throw .missing("time", "a number (unix seconds)") }
        let kind: Kind
        switch event {
        case "start":
            kind = .start(title: try string("title", maximum: 4096) ?? "", total: try whole("total"))
        case "progress":
            kind = .progress(step: try whole("step"), total: try whole("total"))
        case "metrics":
            guard let members = object["metrics"]?.objectValue else { throw .missing("metrics", "an object of numbers") }
            var values: [String: Double] = [:]
            for (name, member) in members {
                guard let number = member.numberValue else { throw .missing("metrics." + String(name.prefix(40)), "a number") }
                values[name] = number
            }
            kind = .metrics(step: try whole("step"), values: values)
        case "error":
            kind = .error(message: try string("message") ?? "", type: try string("type", maximum: 64) ?? "",
                          urgency: try string("urgency", maximum: 16, optional: true))
        case "warning":
            kind = .warning(message: try string("message") ?? "")
        case "complete":
            kind = .complete(message: try string("message", optional: true))
        default:
            kind = .cancel
        }
        return RemoteEvent(id: id, host: host, job: job, time: time, kind: kind)
    }

    /// Decodes a message of the per-job progress topic `B/progress/<host>/<job>`: an empty payload
    /// (a cleared retained message) is nil; the message must be a progress event of that host and job.
    public static func decodeProgress(_ payload: [UInt8], host: String, job: String) throws(RemoteEventRefusal) -> RemoteEvent? {
        guard !payload.isEmpty else { return nil }
        let event = try decode(payload)
        guard case .progress = event.kind else {
            throw RemoteEventRefusal(.wrongTopic, "a '\(event.kind.name)' event on the progress topic of \(host)/\(job)")
        }
        guard event.host == host, event.job == job else {
            throw RemoteEventRefusal(.wrongTopic, "progress of \(event.host)/\(event.job) on the topic of \(host)/\(job)")
        }
        return event
    }
}

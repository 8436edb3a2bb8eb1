/// What trainbelld hands to a sink (`[sink NAME]`): one notification it decided, in the words the
/// bubble had, with what a phone or a chat needs to rank it. Kept in the outbox as ``json`` and
/// read back from it, so an event survives a restart of the daemon.
public struct SinkEvent: Sendable, Hashable {
    /// The kinds a sink's `events =` chooses from.
    public enum Kind: String, Sendable, CaseIterable {
        case error, completion, warning, stall, progress, digest, custom
    }

    public var kind: Kind
    public var title: String
    public var message: String
    /// The job's desktop id (`HOST/JOB` for a remote one); empty for a `Send` with no job.
    public var job: String
    /// Where the job runs: empty here, else the remote host.
    public var host: String
    /// `low`, `normal` or `critical`.
    public var urgency: String
    /// The error type (`oom_error`, …), empty when there is none.
    public var errorType: String
    /// When it was decided, in seconds since the Unix epoch.
    public var time: Double
    /// The history record it comes from (0: none).
    public var record: UInt64

    public init(kind: Kind, title: String, message: String, job: String = "", host: String = "", urgency: String = "normal",
                errorType: String = "", time: Double, record: UInt64 = 0) {
        self.kind = kind
        self.title = title
        self.message = message
        self.job = job
        self.host = host
        self.urgency = urgency
        self.errorType = errorType
        self.time = time
        self.record = record
    }

    /// The event as one JSON object (what the `command` sink reads on its standard input, and the
    /// outbox keeps).
    public var json: String {
        var members = [
            ("kind", JSONString.quoted(kind.rawValue)), ("title", JSONString.quoted(title)), ("message", JSONString.quoted(message)),
            ("job", JSONString.quoted(job)), ("host", JSONString.quoted(host)), ("urgency", JSONString.quoted(urgency)),
            ("error_type", JSONString.quoted(errorType)), ("time", SinkEvent.number(time)), ("record", String(record)),
        ]
        members.insert(("v", "1"), at: 0)
        return "{" + members.map { JSONString.quoted($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    /// Reads ``json`` back (nil for anything else).
    public init?(json text: String) {
        guard let value = try? JSONParser.parse(text), case .object = value,
              let kind = value["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
              let title = value["title"]?.stringValue, let message = value["message"]?.stringValue,
              let time = value["time"]?.numberValue
        else { return nil }
        self.init(kind: kind, title: title, message: message, job: value["job"]?.stringValue ?? "",
                  host: value["host"]?.stringValue ?? "", urgency: value["urgency"]?.stringValue ?? "normal",
                  errorType: value["error_type"]?.stringValue ?? "", time: time,
                  record: value["record"]?.numberValue.map { UInt64(max(0, $0)) } ?? 0)
    }

    /// The event as `TRAINBELL_*` variables for the `command` sink.
    public var environment: [(String, String)] {
        [("TRAINBELL_EVENT", kind.rawValue), ("TRAINBELL_TITLE", title), ("TRAINBELL_MESSAGE", message), ("TRAINBELL_JOB", job),
         ("TRAINBELL_HOST", host), ("TRAINBELL_URGENCY", urgency), ("TRAINBELL_ERROR_TYPE", errorType),
         ("TRAINBELL_TIME", SinkEvent.number(time))]
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

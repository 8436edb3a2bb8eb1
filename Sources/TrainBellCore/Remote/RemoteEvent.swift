/// One training event that came through an MQTT broker (schema v1, README "Through an MQTT
/// broker"): who sent it (`host`), its job there, its event id (unique per publisher, for
/// deduplication), the publisher's clock (`time`, unix seconds: used to order and summarize, never
/// trusted for anything else) and what happened.
public struct RemoteEvent: Sendable, Hashable {
    /// The schema version this type reads and writes.
    public static let version = 1
    /// Payloads larger than this are refused unread.
    public static let maximumPayload = 256 << 10

    public enum Kind: Sendable, Hashable {
        case start(title: String, total: UInt64)
        case progress(step: UInt64, total: UInt64)
        case metrics(step: UInt64, values: [String: Double])
        case error(message: String, type: String, urgency: String?)
        case warning(message: String)
        case complete(message: String?)
        case cancel

        /// The `event` field's value.
        public var name: String {
            switch self {
            case .start: "start"
            case .progress: "progress"
            case .metrics: "metrics"
            case .error: "error"
            case .warning: "warning"
            case .complete: "complete"
            case .cancel: "cancel"
            }
        }

        /// Every value of `event` that schema v1 knows.
        public static let names: Set<String> = ["start", "progress", "metrics", "error", "warning", "complete", "cancel"]
    }

    public var id: String
    public var host: String
    public var job: String
    /// The publisher's clock, unix seconds.
    public var time: Double
    public var kind: Kind

    public init(id: String, host: String, job: String, time: Double, kind: Kind) {
        self.id = id
        self.host = host
        self.job = job
        self.time = time
        self.kind = kind
    }

    /// The job's id on the desktop: `HOST/JOB` (two hosts' `run-1` stay two jobs).
    public var desktopID: String { host + "/" + job }

    /// The JSON message of schema v1 (members sorted by name).
    public var json: String {
        var members: [String: JSONValue] = [
            "v": .number(Double(Self.version)), "id": .string(id), "host": .string(host), "job": .string(job),
            "event": .string(kind.name), "time": .number(time),
        ]
        switch kind {
        case .start(let title, let total):
            members["title"] = .string(title)
            members["total"] = .number(Double(total))
        case .progress(let step, let total):
            members["step"] = .number(Double(step))
            members["total"] = .number(Double(total))
        case .metrics(let step, let values):
            members["step"] = .number(Double(step))
            members["metrics"] = .object(values.mapValues { .number($0) })
        case .error(let message, let type, let urgency):
            members["message"] = .string(message)
            members["type"] = .string(type)
            if let urgency { members["urgency"] = .string(urgency) }
        case .warning(let message):
            members["message"] = .string(message)
        case .complete(let message):
            if let message { members["message"] = .string(message) }
        case .cancel:
            break
        }
        return JSONValue.object(members).encoded
    }
}

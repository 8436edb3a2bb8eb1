/// A click on a remote job's notification, published back to `B/actions/<host>/<job>` (QoS 1) for
/// the trainer there to act on: trainbelld never runs a command for a remote job.
public struct RemoteAction: Sendable, Hashable {
    /// What schema v1 names: `retry`, `details`, `cancel`, `default`.
    public static let names: Set<String> = ["retry", "details", "cancel", "default"]

    public var host: String
    public var job: String
    public var action: String
    /// The desktop's clock, unix seconds.
    public var time: Double

    public init(host: String, job: String, action: String, time: Double) {
        self.host = host
        self.job = job
        self.action = action
        self.time = time
    }

    public func topic(base: String) -> String { MQTTTopic.actions(base, host: host, job: job) }

    public var json: String {
        JSONValue.object([
            "v": .number(Double(RemoteEvent.version)), "host": .string(host), "job": .string(job),
            "action": .string(action), "time": .number(time),
        ]).encoded
    }

    /// Reads an action message (a publisher listening for its clicks); nil when it is not one.
    public static func decode(_ payload: [UInt8]) -> RemoteAction? {
        guard payload.count <= 4096, let value = try? JSONParser.parse(payload), value["v"]?.numberValue == 1,
              let host = value["host"]?.stringValue, let job = value["job"]?.stringValue,
              let action = value["action"]?.stringValue, let time = value["time"]?.numberValue else { return nil }
        return RemoteAction(host: host, job: job, action: action, time: time)
    }
}

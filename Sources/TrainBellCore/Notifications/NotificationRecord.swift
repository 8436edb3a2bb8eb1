/// A notification as kept in the history and emitted in
/// `NotificationEmitted`: the event plus the facts of its delivery.
///
/// The event's fields read directly on the record (`record.title`,
/// `record.urgency`, …).
@dynamicMemberLookup
public struct NotificationRecord: Sendable, Hashable, Codable, Identifiable {
    /// The history's identifier of this notification (`t record`).
    public var id: UInt64
    /// The job it belongs to; empty for a `Send` without a `job` option.
    public var jobID: String
    /// What was notified.
    public var event: NotificationEvent
    /// When it was decided, in microseconds since the Unix epoch.
    public var timestamp: Int64
    /// What became of it.
    public var delivery: Delivery
    /// The notification server's id for it; 0 when it was not shown.
    public var serverID: UInt32

    /// Creates a record.
    public init(
        id: UInt64,
        jobID: String,
        event: NotificationEvent,
        timestamp: Int64,
        delivery: Delivery,
        serverID: UInt32 = 0
    ) {
        self.id = id
        self.jobID = jobID
        self.event = event
        self.timestamp = timestamp
        self.delivery = delivery
        self.serverID = serverID
    }

    /// Reads a field of the event.
    public subscript<Value>(dynamicMember keyPath: KeyPath<NotificationEvent, Value>) -> Value {
        event[keyPath: keyPath]
    }
}

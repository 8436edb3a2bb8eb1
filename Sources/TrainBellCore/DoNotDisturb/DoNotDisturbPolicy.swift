/// Do Not Disturb as policy (DESIGN.md section 4), pure: the status and the events come in, the
/// decisions and the digests go out.
///
/// Progress, completion and warnings are held back while DND is on (recorded `suppressed-dnd`);
/// errors always go out, with urgency 2 (`held-by-server` where the server holds even those). When a
/// period that held something back ends, exactly one digest summarizes it.
public struct DoNotDisturbPolicy: Sendable, Hashable {
    public private(set) var status: DoNotDisturbStatus = .off
    /// Send a digest when DND ends (`[dnd] digest`).
    public var sendsDigest: Bool
    private var digest = DoNotDisturbDigest()

    public init(sendsDigest: Bool = true) {
        self.sendsDigest = sendsDigest
    }

    /// Records held back in the current period (history ids), for tests and `status`.
    public var heldRecordIDs: [UInt64] { digest.heldRecordIDs }

    /// What to do with `event` now.
    public func decide(_ event: NotificationEvent, serverPresent: Bool) -> DeliveryDecision {
        DeliveryDecision.decide(for: event, doNotDisturb: status, serverPresent: serverPresent)
    }

    /// Notes a record that was held back (its decision said `suppressed-dnd`).
    public mutating func held(_ record: NotificationRecord) {
        digest.hold(record)
    }

    /// The status changed. Returns the digest to send when a period that held something back ended
    /// (and digests are on); a new period starts empty either way.
    public mutating func update(_ new: DoNotDisturbStatus) -> NotificationEvent? {
        let ended = status.active && !new.active
        status = new
        guard ended else { return nil }
        defer { digest = DoNotDisturbDigest() }
        guard sendsDigest, !digest.isEmpty else { return nil }
        return digest.event(templates: templates)
    }

    /// Templates for the digest title.
    public var templates: MessageTemplates = .standard
}

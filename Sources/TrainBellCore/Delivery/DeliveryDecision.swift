/// What to do with one notification event: the record's `delivery`, whether it goes to the server now,
/// and whether it waits for a server that is not there yet.
public struct DeliveryDecision: Hashable, Sendable {
    public var delivery: Delivery
    public var sendNow: Bool
    /// Kept and sent, in order and once, when a notification server appears (errors and completions).
    public var queueUntilServerAppears: Bool

    public init(delivery: Delivery, sendNow: Bool, queueUntilServerAppears: Bool = false) {
        self.delivery = delivery
        self.sendNow = sendNow
        self.queueUntilServerAppears = queueUntilServerAppears
    }

    /// The policy of DESIGN.md section 4: DND suppresses all but errors; with no server, errors and
    /// completions are `queued` for the next server and the rest is recorded as `no-server`.
    public static func decide(for event: NotificationEvent, doNotDisturb: DoNotDisturbStatus,
                              serverPresent: Bool) -> DeliveryDecision {
        if doNotDisturb.active && event.respectsDoNotDisturb {
            return DeliveryDecision(delivery: .suppressedDoNotDisturb, sendNow: false)
        }
        guard serverPresent else {
            let waits = event.type == .error || event.type == .completion
            return DeliveryDecision(delivery: waits ? .queued : .noServer, sendNow: false, queueUntilServerAppears: waits)
        }
        guard doNotDisturb.active else { return DeliveryDecision(delivery: .shown, sendNow: true) }
        switch doNotDisturb.serverHoldsUrgent {
        case true?: return DeliveryDecision(delivery: .heldByServer, sendNow: true)
        case nil: return DeliveryDecision(delivery: .sentDuringDoNotDisturb, sendNow: true)
        case false?: return DeliveryDecision(delivery: .shown, sendNow: true)
        }
    }
}

/// The one urgency rule of Do Not Disturb (DESIGN.md section 4): an event that goes out during DND
/// (an error) goes out critical, urgency 2, so that servers which hide less than critical during DND
/// show it. Used by the request builder and, for a caller's own request (`Send`), by the delivery queue.
extension NotificationEvent {
    /// Whether this event is raised to urgency 2 when Do Not Disturb is `doNotDisturb`.
    public func raisesUrgency(doNotDisturb: Bool) -> Bool {
        doNotDisturb && !respectsDoNotDisturb
    }

    /// The urgency byte this event goes out with.
    public func wireUrgency(doNotDisturb: Bool) -> UInt8 {
        raisesUrgency(doNotDisturb: doNotDisturb) ? 2 : urgency.wireByte
    }
}

extension NotificationRequest {
    /// Raises the request's urgency hint to 2 (adding it when the request has none) when `event`
    /// is raised during Do Not Disturb.
    public mutating func raiseUrgency(for event: NotificationEvent, doNotDisturb: Bool) {
        guard event.raisesUrgency(doNotDisturb: doNotDisturb) else { return }
        if let index = hints.firstIndex(where: { $0.name == "urgency" }) {
            hints[index] = ("urgency", .byte(2))
        } else {
            hints.append(("urgency", .byte(2)))
        }
    }
}

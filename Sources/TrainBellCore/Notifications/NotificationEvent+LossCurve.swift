extension NotificationEvent {
    /// The completion with its job's loss: "loss 2.31 → 0.42" on a line of its own at the end of
    /// the body, and the curve drawn by `chart` as the picture (none when `chart` is nil: the
    /// `[notifications] loss-chart` key is off).
    public func withLossCurve(_ curve: LossCurve, chart: LossChart? = LossChart()) -> NotificationEvent {
        var event = self
        event.message += (message.isEmpty ? "" : "\n") + curve.summary
        event.image = chart?.image(of: curve)
        event.lossSummary = curve.summary
        return event
    }
}

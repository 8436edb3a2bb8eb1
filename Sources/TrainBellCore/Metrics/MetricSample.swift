/// One value of one metric as a job reported it: the report's place among the job's reports
/// (`order`, counting up, so that the values of one `ReportMetrics` call share it and the series of
/// a job can be put side by side), the training step it named, and the value (NaN and infinities
/// included: a loss gone NaN is what the trainer most needs to see).
public struct MetricSample: Sendable, Hashable {
    public var order: UInt64
    public var step: UInt64
    public var value: Double

    public init(order: UInt64, step: UInt64, value: Double) {
        self.order = order
        self.step = step
        self.value = value
    }

    /// NaNs equal to each other (a series read back from the history equals the one saved).
    public static func == (a: MetricSample, b: MetricSample) -> Bool {
        a.order == b.order && a.step == b.step && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(order)
        hasher.combine(step)
        hasher.combine(value.isNaN ? Double.nan.bitPattern : (value == 0 ? 0 : value.bitPattern))
    }
}

/// The loss of a job as its completion notification shows it (issue 11): the main series — `loss`,
/// else the first reported metric whose name contains "loss" — and `eval_loss` beside it when there
/// is one; only finite values, ordered by step.
public struct LossCurve: Sendable, Hashable {
    /// One point of a series.
    public struct Point: Sendable, Hashable {
        public var step: UInt64
        public var value: Double
        public init(step: UInt64, value: Double) {
            self.step = step
            self.value = value
        }
    }

    /// Finite points the main series needs for a chart and a "loss a → b" line.
    public static let minimumPoints = 3
    /// The second line's name.
    public static let evaluationName = "eval_loss"

    public let name: String
    public let points: [Point]
    /// `eval_loss`'s finite points (two at least), when the job reports it beside another loss.
    public let evaluation: [Point]?

    /// The curve of `name` and `evaluation`; nil when `points` has fewer than ``minimumPoints``
    /// finite values.
    public init?(name: String, points: [Point], evaluation: [Point]? = nil) {
        let finite = points.filter(\.value.isFinite)
        guard finite.count >= Self.minimumPoints else { return nil }
        self.name = name
        self.points = finite
        let evaluationFinite = evaluation?.filter(\.value.isFinite) ?? []
        self.evaluation = evaluationFinite.count >= 2 ? evaluationFinite : nil
    }

    /// The loss curve of `metrics`, nil when the job reports no loss with enough finite values.
    public init?(_ metrics: JobMetrics) {
        let named = metrics.series.compactMap { name, series in
            series.samples.first.map { (name: name, first: $0.order) }
        }
        let byReport = named.sorted { $0.first != $1.first ? $0.first < $1.first : $0.name < $1.name }.map(\.name)
        guard let main = LossSeries.main(among: byReport), let series = metrics.series[main]
        else { return nil }
        let evaluation = main == Self.evaluationName ? nil : metrics.series[Self.evaluationName].map(Self.points)
        self.init(name: main, points: Self.points(series), evaluation: evaluation)
    }

    private static func points(_ series: MetricSeries) -> [Point] {
        series.samples.map { Point(step: $0.step, value: $0.value) }
    }

    /// The body's line: "loss 2.31 → 0.42", the first and the last value to 3 significant digits.
    public var summary: String {
        "\(name) \(Self.formatted(points[0].value)) → \(Self.formatted(points[points.count - 1].value))"
    }

    /// `value` to 3 (or `significantDigits`) significant digits, without trailing zeros: 2.3149 →
    /// "2.31", 0.42 → "0.42", 1234 → "1230"; very large and very small values as Swift prints them.
    public static func formatted(_ value: Double, significantDigits: Int = 3) -> String {
        let significant = max(1, min(9, significantDigits))
        var scale = 1.0
        for _ in 1..<significant { scale *= 10 }
        guard value.isFinite, value != 0 else { return value == 0 ? "0" : "\(value)" }
        var magnitude = value.magnitude
        guard (1e-6..<1e9).contains(magnitude) else { return "\(value)" }
        // exponent: 10^exponent <= magnitude < 10^(exponent + 1)
        var exponent = 0
        while magnitude >= 10 { magnitude /= 10; exponent += 1 }
        while magnitude < 1 { magnitude *= 10; exponent -= 1 }
        var digits = Int((magnitude * scale).rounded())
        if Double(digits) >= scale * 10 { digits /= 10; exponent += 1 }
        var text = String(digits)
        let decimals = (significant - 1) - exponent
        if decimals <= 0 {
            text += String(repeating: "0", count: -decimals)
        } else {
            if text.count <= decimals { text = String(repeating: "0", count: decimals - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return value < 0 ? "-" + text : text
    }
}

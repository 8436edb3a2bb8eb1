/// The divergence rules on a run's reported metrics (issue 11): every client gets them, whichever
/// way its metrics come (`ReportMetrics` from a trainer, the Python package, `trainbell run`).
///
/// - A NaN or infinite loss-like metric (a name containing "loss", in any case) is one
///   `loss_divergence` error per run — also when the trainer reported that error itself first
///   (``noteReportedDivergence()``).
/// - A finite loss above ``factor`` × the median of its last ``window`` values (at least
///   ``minimumHistory`` of them) is one warning per run: "loss jumped from 0.41 to 3.9 at step
///   1,200". A spike of a few steps is what it is for; a slow rise moves the median with it.
///
/// Pure: the daemon keeps one per job and starts it over with each run.
public struct LossWatch: Sendable {
    /// What the rules found in one report.
    public enum Finding: Sendable, Equatable {
        case divergence(message: String)
        case jump(message: String)
    }

    /// The default factor: a loss three times its recent median.
    public static let defaultFactor = 3.0
    /// The default number of recent values the median is taken over.
    public static let defaultWindow = 20
    /// The fewest recent values a jump is judged against.
    public static let minimumHistory = 5

    /// 0 turns the jump warning off.
    public let factor: Double
    public let window: Int

    private var diverged = false
    private var warnedJump = false
    /// The last values of each loss-like metric, oldest first.
    private var recent: [String: [Double]] = [:]

    public init(factor: Double = LossWatch.defaultFactor, window: Int = LossWatch.defaultWindow) {
        self.factor = factor.isFinite && factor > 1 ? factor : 0
        self.window = max(Self.minimumHistory, window)
    }

    /// The trainer reported a `loss_divergence` itself: the rule does not report one again this run.
    public mutating func noteReportedDivergence() { diverged = true }

    /// Reads one report; returns what it found (at most one of each, once per run).
    public mutating func observe(_ report: MetricReport) -> [Finding] {
        var findings: [Finding] = []
        for (name, value) in report.values where name.utf8.asciiCaseInsensitiveContains("loss") {
            guard value.isFinite else {
                if !diverged {
                    diverged = true
                    findings.append(.divergence(message: "\(name) is \(Self.spoken(value)) at step \(Self.grouped(report.step))"))
                }
                continue
            }
            var values = recent[name, default: []]
            if factor > 0, !warnedJump, values.count >= Self.minimumHistory {
                let median = Self.median(values)
                if median > 0, value > factor * median {
                    warnedJump = true
                    findings.append(.jump(message: "\(name) jumped from \(Self.short(median)) to \(Self.short(value)) at step \(Self.grouped(report.step))"))
                }
            }
            values.append(value)
            if values.count > window { values.removeFirst(values.count - window) }
            recent[name] = values
        }
        return findings
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// "nan", "inf", "-inf".
    static func spoken(_ value: Double) -> String {
        value.isNaN ? "nan" : value < 0 ? "-inf" : "inf"
    }

    /// Two significant digits, as a person reads a loss off a chart: 0.41, 3.9, 1200.
    static func short(_ value: Double) -> String { LossCurve.formatted(value, significantDigits: 2) }

    /// 1,200.
    static func grouped(_ step: UInt64) -> String {
        let digits = Array(String(step))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}

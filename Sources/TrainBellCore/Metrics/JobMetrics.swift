/// The metrics of one job: a downsampled series per name, the reports counted so that the values
/// of one report stay together (``rows``).
public struct JobMetrics: Sendable, Equatable {
    /// Names a job may have in all (each keeps up to a bound of samples): what one job can cost.
    public static let maximumNames = 256

    public private(set) var series: [String: MetricSeries]
    /// The order of the next report.
    public private(set) var nextOrder: UInt64
    private let bound: Int

    public init(bound: Int = MetricSeries.defaultBound) {
        self.init(series: [:], bound: bound)
    }

    /// A job's metrics as saved, series by series.
    public init(series: [String: MetricSeries], bound: Int = MetricSeries.defaultBound) {
        self.series = series
        self.bound = bound
        nextOrder = series.values.compactMap { $0.last.map { $0.order + 1 } }.max() ?? 0
    }

    /// Takes one report; refuses one that would bring the job above ``maximumNames`` (nothing of it
    /// is kept then).
    public mutating func record(_ report: MetricReport) throws(ValidationError) {
        var new = 0
        for (name, _) in report.values where series[name] == nil { new += 1 }
        guard series.count + new <= Self.maximumNames else {
            throw ValidationError("the job has \(series.count) metrics and this report adds \(new); at most \(Self.maximumNames) names are kept per job")
        }
        let order = nextOrder
        nextOrder += 1
        for (name, value) in report.values {
            series[name, default: MetricSeries(bound: bound)].append(MetricSample(order: order, step: report.step, value: value))
        }
    }

    /// One row per report that any series kept a sample of, oldest first: its step and the values
    /// kept of it, by name (`GetMetrics`' `a(ta{sd})`).
    public var rows: [MetricRow] {
        var all: [(order: UInt64, name: String, sample: MetricSample)] = []
        for (name, series) in series {
            for sample in series.samples { all.append((sample.order, name, sample)) }
        }
        all.sort { $0.order != $1.order ? $0.order < $1.order : $0.name < $1.name }
        var rows: [MetricRow] = []
        var currentOrder: UInt64?
        for entry in all {
            if entry.order != currentOrder {
                rows.append(MetricRow(step: entry.sample.step, values: []))
                currentOrder = entry.order
            }
            rows[rows.count - 1].values.append((entry.name, entry.sample.value))
        }
        return rows
    }
}

/// What a job reported once, as kept: the step and the values of the metrics kept of that report.
public struct MetricRow: Sendable {
    public var step: UInt64
    public var values: [(name: String, value: Double)]

    public init(step: UInt64, values: [(name: String, value: Double)]) {
        self.step = step
        self.values = values
    }
}

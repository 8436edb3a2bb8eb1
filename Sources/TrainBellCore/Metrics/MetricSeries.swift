/// The values of one metric of one job, downsampled so that a job of any length keeps at most
/// ``bound`` samples: reports are summed up in buckets of `stride` reports (``MetricBucket``: the
/// first, the lowest, the highest, the first NaN), and when the buckets would hold more than the
/// bound, neighbours merge and the stride doubles. The first and the last report, the lowest and
/// the highest value and the first NaN are always kept; memory and work per report stay constant
/// (a merge halves the buckets, so it comes ever more rarely).
public struct MetricSeries: Sendable, Equatable {
    /// Samples kept at most, the default of the daemon (DESIGN.md section 10: ~2,000 points a metric).
    public static let defaultBound = 2_000
    /// The smallest bound that can be kept: two buckets, the open one and the last report.
    public static let minimumBound = 16

    public let bound: Int
    /// Reports a closed bucket sums up (more after merges, for the older ones).
    public private(set) var stride: UInt64 = 1
    /// Reports taken in all.
    public private(set) var reports: UInt64 = 0
    private(set) var closed: [MetricBucket] = []
    /// Samples the closed buckets keep (kept up to date, so a report costs no count).
    private var closedSamples = 0
    private(set) var open: MetricBucket?
    /// The last report, kept whatever its bucket keeps.
    public private(set) var last: MetricSample?

    public init(bound: Int = MetricSeries.defaultBound) {
        precondition(bound >= Self.minimumBound, "a metric series keeps at least \(Self.minimumBound) samples")
        self.bound = bound
    }

    /// Takes one report. `sample.order` must be above the last one's (the job counts its reports).
    public mutating func append(_ sample: MetricSample) {
        reports += 1
        last = sample
        if var bucket = open {
            bucket.add(sample)
            open = bucket
        } else {
            open = MetricBucket(sample)
        }
        guard let bucket = open, bucket.count >= stride else { return }
        closed.append(bucket)
        closedSamples += bucket.sampleCount
        open = nil
        // Room for a full open bucket and the last report beside the closed ones.
        while closedSamples + MetricBucket.maximumSamples + 1 > bound, closed.count > 1 { mergeNeighbours() }
    }

    /// Merges buckets two by two (an odd last one stays) and doubles the stride.
    private mutating func mergeNeighbours() {
        var merged: [MetricBucket] = []
        merged.reserveCapacity(closed.count / 2 + 1)
        var index = 0
        while index < closed.count {
            merged.append(index + 1 < closed.count ? closed[index].merged(with: closed[index + 1]) : closed[index])
            index += 2
        }
        closed = merged
        closedSamples = merged.reduce(0) { $0 + $1.sampleCount }
        stride = stride.multipliedReportingOverflow(by: 2).overflow ? stride : stride * 2
    }

    /// The samples kept, oldest first, each once: never more than ``bound``.
    public var samples: [MetricSample] {
        var result: [MetricSample] = []
        result.reserveCapacity(closedSamples + MetricBucket.maximumSamples + 1)
        for bucket in closed { result += bucket.samples }
        if let open { result += open.samples }
        if let last, result.last?.order != last.order { result.append(last) }
        return result
    }

    /// A series as saved: its state, bucket by bucket (``MetricSeries+Encoding``).
    init(bound: Int, stride: UInt64, reports: UInt64, closed: [MetricBucket], open: MetricBucket?, last: MetricSample?) {
        self.bound = bound
        self.stride = stride
        self.reports = reports
        self.closed = closed
        self.closedSamples = closed.reduce(0) { $0 + $1.sampleCount }
        self.open = open
        self.last = last
    }
}

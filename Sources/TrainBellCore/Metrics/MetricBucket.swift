/// Consecutive reports of one metric summed up by what a plot must not lose: the first of them
/// (the every-k-th sample), the lowest and the highest (spikes survive), and the first NaN (a
/// divergence survives). Ties keep the earlier sample, so a bucket rebuilt from its samples is the
/// same bucket (``init(samples:count:)``).
struct MetricBucket: Sendable, Equatable {
    private(set) var first: MetricSample
    private(set) var lowest: MetricSample?
    private(set) var highest: MetricSample?
    private(set) var firstNaN: MetricSample?
    /// Reports summed up.
    private(set) var count: UInt64

    /// The most samples a bucket keeps.
    static let maximumSamples = 4

    init(_ sample: MetricSample) {
        first = sample
        count = 1
        note(sample)
    }

    /// A bucket with these samples (in order), standing for `count` reports: as ``samples`` read it.
    init?(samples: [MetricSample], count: UInt64) {
        guard let head = samples.first, count >= UInt64(samples.count) else { return nil }
        self.init(head)
        for sample in samples.dropFirst() {
            guard sample.order > first.order else { return nil }
            note(sample)
        }
        self.count = count
    }

    mutating func add(_ sample: MetricSample) {
        count += 1
        note(sample)
    }

    private mutating func note(_ sample: MetricSample) {
        if sample.value.isNaN {
            if firstNaN == nil { firstNaN = sample }
            return
        }
        if let lowest, lowest.value <= sample.value {} else { lowest = sample }
        if let highest, highest.value >= sample.value {} else { highest = sample }
    }

    /// `self` followed by `next`: the first of `self`, the extremes and first NaN of both.
    func merged(with next: MetricBucket) -> MetricBucket {
        var merged = self
        merged.count += next.count
        if let low = next.lowest, merged.lowest.map({ $0.value > low.value }) ?? true { merged.lowest = low }
        if let high = next.highest, merged.highest.map({ $0.value < high.value }) ?? true { merged.highest = high }
        if merged.firstNaN == nil { merged.firstNaN = next.firstNaN }
        return merged
    }

    /// The samples kept, each once, oldest first.
    var samples: [MetricSample] {
        var kept = [first]
        for sample in [lowest, highest, firstNaN] {
            if let sample, !kept.contains(where: { $0.order == sample.order }) { kept.append(sample) }
        }
        kept.sort { $0.order < $1.order }
        return kept
    }

    /// How many samples ``samples`` holds, without building it.
    var sampleCount: Int {
        var orders: [UInt64] = [first.order]
        for sample in [lowest, highest, firstNaN] {
            if let sample, !orders.contains(sample.order) { orders.append(sample.order) }
        }
        return orders.count
    }
}

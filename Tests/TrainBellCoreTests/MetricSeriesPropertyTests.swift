import PropertyBased
import Testing
import TrainBellCore

/// Properties of the downsampling for any values, any length, any bound: what a plot of the job
/// must never lose.
@Suite struct MetricSeriesPropertyTests {
    /// A value: ordinary, repeated, tiny, huge, infinite or NaN.
    static let value = zip(Gen.int(in: 0...19), Gen.double(in: -1_000...1_000)).map { pick, number -> Double in
        switch pick {
        case 0: .nan
        case 1: .infinity
        case 2: -.infinity
        case 3: 0
        case 4: -0.0
        case 5: .greatestFiniteMagnitude
        case 6: -.leastNonzeroMagnitude
        default: number
        }
    }

    /// A run of values: a few, or a long run built from a few repeated with a trend (so thousands
    /// of reports are tested without generating each).
    static let values = zip(value.array(of: 0...40), Gen.int(in: 0...3), Gen.int(in: 1...120)).map { base, shape, repeats -> [Double] in
        guard shape > 0, !base.isEmpty else { return base }
        return (0..<(base.count * repeats)).map { index in
            let v = base[index % base.count]
            return shape == 1 ? v : v + Double(index) * (shape == 2 ? 0.5 : -0.5)
        }
    }

    static func series(_ values: [Double], bound: Int) -> MetricSeries {
        var series = MetricSeries(bound: bound)
        for (index, value) in values.enumerated() {
            series.append(MetricSample(order: UInt64(index) * 3, step: UInt64(index) * 10, value: value))
        }
        return series
    }

    @Test func keepsFirstLastExtremesAndNaNWithinTheBound() async {
        await propertyCheck(count: 400, input: Self.values, Gen.int(in: MetricSeries.minimumBound...80)) { values, bound in
            let kept = Self.series(values, bound: bound).samples
            #expect(kept.count <= bound)
            #expect(kept.count <= values.count)
            guard let firstValue = values.first, let lastValue = values.last else {
                #expect(kept.isEmpty)
                return
            }
            #expect(kept.first == MetricSample(order: 0, step: 0, value: firstValue))
            #expect(kept.last == MetricSample(order: UInt64(values.count - 1) * 3, step: UInt64(values.count - 1) * 10, value: lastValue))
            #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.order < $1.order })
            let numbers = values.filter { !$0.isNaN }
            if let lowest = numbers.min() { #expect(kept.contains { $0.value == lowest }) }
            if let highest = numbers.max() { #expect(kept.contains { $0.value == highest }) }
            #expect(values.contains { $0.isNaN } == kept.contains { $0.value.isNaN })
            if values.count <= bound - 5 { #expect(kept.map(\.order) == values.indices.map { UInt64($0) * 3 }) }
        }
    }

    @Test func encodingRoundTripsAndCutBytesAreRefused() async {
        await propertyCheck(count: 200, input: Self.values, Gen.int(in: MetricSeries.minimumBound...80)) { values, bound in
            let series = Self.series(values, bound: bound)
            let bytes = series.encoded
            #expect(MetricSeries(encoded: bytes) == series)
            #expect(MetricSeries(encoded: Array(bytes.dropLast())) == nil)
            var restored = MetricSeries(encoded: bytes)
            restored?.append(MetricSample(order: UInt64.max, step: 1, value: 1))
            var continued = series
            continued.append(MetricSample(order: UInt64.max, step: 1, value: 1))
            #expect(restored == continued)
        }
    }

    /// A million reports (the bench's job): bounded, and the extremes of a spike survive.
    @Test func aMillionReportsStayBounded() {
        var series = MetricSeries()
        for index in 0..<1_000_000 {
            let value = index == 777_777 ? 1e9 : (index == 123_457 ? -1e9 : 1 / Double(index + 1))
            series.append(MetricSample(order: UInt64(index), step: UInt64(index), value: value))
        }
        let kept = series.samples
        #expect(kept.count <= MetricSeries.defaultBound)
        #expect(kept.count > MetricSeries.defaultBound / 4)
        #expect(kept.contains { $0.value == 1e9 } && kept.contains { $0.value == -1e9 })
        #expect(kept.first?.step == 0 && kept.last?.step == 999_999)
        #expect(series.reports == 1_000_000)
    }
}

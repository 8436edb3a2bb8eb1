/// A series as bytes, for the history: its whole state (stride, buckets, the open one, the last
/// report), so that a restarted daemon goes on downsampling where it stopped. Little-endian
/// integers; a value as the bits of its `Double` (NaN and infinities as they came).
///
/// ```
/// version u8 = 1, bound u64, stride u64, reports u64, closed buckets u64,
/// bucket = count u64, samples u8, sample × samples;  sample = order u64, step u64, value bits u64
/// closed bucket × closed buckets, has open u8 (0/1) [bucket], has last u8 (0/1) [sample]
/// ```
extension MetricSeries {
    static let encodingVersion: UInt8 = 1

    /// The bytes of this series.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        bytes.reserveCapacity(33 + closed.count * (9 + 3 * 24) + 200)
        func put(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        func put(_ sample: MetricSample) {
            put(sample.order)
            put(sample.step)
            put(sample.value.bitPattern)
        }
        func put(_ bucket: MetricBucket) {
            put(bucket.count)
            let samples = bucket.samples
            bytes.append(UInt8(samples.count))
            for sample in samples { put(sample) }
        }
        put(UInt64(bound))
        put(stride)
        put(reports)
        put(UInt64(closed.count))
        for bucket in closed { put(bucket) }
        bytes.append(open == nil ? 0 : 1)
        if let open { put(open) }
        bytes.append(last == nil ? 0 : 1)
        if let last { put(last) }
        return bytes
    }

    /// The series `bytes` hold; nil when they are not one (cut short, another version, a bound
    /// below the minimum, samples out of order).
    public init?(encoded bytes: [UInt8]) {
        var reader = ByteReader(bytes: bytes)
        guard reader.byte() == Self.encodingVersion,
            let bound = reader.integer(), bound >= UInt64(Self.minimumBound), bound <= 1 << 24,
            let stride = reader.integer(), stride >= 1,
            let reports = reader.integer(),
            let closedCount = reader.integer(), closedCount <= bound
        else { return nil }
        var closed: [MetricBucket] = []
        for _ in 0..<closedCount {
            guard let bucket = reader.bucket() else { return nil }
            closed.append(bucket)
        }
        var open: MetricBucket?
        switch reader.byte() {
        case 0: break
        case 1:
            guard let bucket = reader.bucket() else { return nil }
            open = bucket
        default: return nil
        }
        var last: MetricSample?
        switch reader.byte() {
        case 0: break
        case 1:
            guard let sample = reader.sample() else { return nil }
            last = sample
        default: return nil
        }
        guard reader.isAtEnd else { return nil }
        let orders = (closed + (open.map { [$0] } ?? [])).flatMap { $0.samples.map(\.order) } + (last.map { [$0.order] } ?? [])
        guard zip(orders, orders.dropFirst()).allSatisfy({ $0 <= $1 }) else { return nil }
        self.init(bound: Int(bound), stride: stride, reports: reports, closed: closed, open: open, last: last)
    }
}

/// Reads what ``MetricSeries/encoded`` wrote; nil past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func integer() -> UInt64? {
        guard bytes.count - offset >= 8 else { return nil }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
        offset += 8
        return value
    }

    mutating func sample() -> MetricSample? {
        guard let order = integer(), let step = integer(), let bits = integer() else { return nil }
        return MetricSample(order: order, step: step, value: Double(bitPattern: bits))
    }

    mutating func bucket() -> MetricBucket? {
        guard let count = integer(), let number = byte(), number >= 1, Int(number) <= MetricBucket.maximumSamples else { return nil }
        var samples: [MetricSample] = []
        for _ in 0..<number {
            guard let sample = sample() else { return nil }
            samples.append(sample)
        }
        return MetricBucket(samples: samples, count: count)
    }
}

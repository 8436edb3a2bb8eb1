/// One `ReportMetrics` call (or one `trainbell metrics` command), checked: the names a plot and a
/// database can carry, not too many at once. Values are not checked: NaN and infinities are
/// accepted, they are the signal (a diverging loss).
public struct MetricReport: Sendable, Equatable {
    /// The longest name, in bytes.
    public static let maximumNameBytes = 64
    /// The most metrics in one report.
    public static let maximumMetrics = 64

    public let step: UInt64
    /// The metrics, sorted by name (a D-Bus dictionary has no order; a name comes once).
    public let values: [(name: String, value: Double)]

    /// - Throws: A ``ValidationError`` naming the first name not accepted, or the count.
    public init(step: UInt64, values: [(name: String, value: Double)]) throws(ValidationError) {
        guard values.count <= Self.maximumMetrics else {
            throw ValidationError("\(values.count) metrics in one report; at most \(Self.maximumMetrics) are accepted (send the others in another report)")
        }
        for (name, _) in values { try Self.check(name: name) }
        let sorted = values.sorted { $0.name < $1.name }
        var index = 1
        while index < sorted.count {
            guard sorted[index].name != sorted[index - 1].name else {
                throw ValidationError("metric name \"\(sorted[index].name)\" is given twice; each name once per report")
            }
            index += 1
        }
        self.step = step
        self.values = sorted
    }

    /// What can be reported of `values` without an error, for a caller that must never fail
    /// (`trainbell run`, reading what a trainer printed): the names accepted, the first 64 by
    /// name; nil when none is left.
    public static func keeping(step: UInt64, _ values: [String: Double]) -> MetricReport? {
        // Built once, sorted once: `trainbell run` calls this for every log dict a trainer prints.
        var accepted: [(name: String, value: Double)] = []
        accepted.reserveCapacity(values.count)
        for (name, value) in values where isAccepted(name: name) { accepted.append((name, value)) }
        guard !accepted.isEmpty else { return nil }
        accepted.sort { $0.name < $1.name }
        if accepted.count > maximumMetrics { accepted.removeLast(accepted.count - maximumMetrics) }
        // Dictionary keys are distinct and every name was checked: nothing left to refuse.
        return MetricReport(step: step, checkedValues: accepted)
    }

    private init(step: UInt64, checkedValues: [(name: String, value: Double)]) {
        self.step = step
        self.values = checkedValues
    }

    /// Whether ``check(name:)`` accepts `name`.
    static func isAccepted(name: String) -> Bool {
        let utf8 = name.utf8
        if let accepted = utf8.withContiguousStorageIfAvailable({ isAccepted(nameBytes: $0) }) { return accepted }
        return isAccepted(nameBytes: Array(utf8))
    }

    private static func isAccepted(nameBytes bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= maximumNameBytes && bytes.allSatisfy { $0 &- 0x20 < 0x5F }
    }

    /// Accepts 1 to 64 bytes of printable ASCII (space to `~`), which every consumer can show.
    public static func check(name: String) throws(ValidationError) {
        // The rule is ``isAccepted(name:)``'s; what follows only says what broke it.
        if isAccepted(name: name) { return }
        let bytes = name.utf8
        guard !bytes.isEmpty else { throw ValidationError("an empty metric name is not accepted: 1 to \(maximumNameBytes) printable ASCII characters") }
        guard bytes.count <= maximumNameBytes else {
            throw ValidationError("metric name \"\(String(name.prefix(maximumNameBytes)))…\" is \(bytes.count) bytes long; at most \(maximumNameBytes) printable ASCII characters are accepted")
        }
        guard bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            let shown = String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            throw ValidationError("metric name \"\(shown)\" holds bytes that are not printable ASCII (shown as ?); accepted: 1 to \(maximumNameBytes) characters from space to ~")
        }
    }

    public static func == (a: MetricReport, b: MetricReport) -> Bool {
        a.step == b.step && a.values.count == b.values.count
            && zip(a.values, b.values).allSatisfy { $0.name == $1.name && ($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN)) }
    }
}

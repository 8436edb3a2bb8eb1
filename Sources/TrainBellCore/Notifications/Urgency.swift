/// How urgent a notification is. Ordered from `low` to `critical`; the raw
/// value is the name used on the bus, in the history and in the
/// configuration.
public enum Urgency: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Background information.
    case low
    /// The default.
    case normal
    /// Needs attention soon (e.g. loss divergence).
    case high
    /// Needs attention now (e.g. out of memory); never expires.
    case critical

    /// The freedesktop `urgency` hint byte: low 0, normal 1, high and
    /// critical 2 (the specification knows only three levels).
    public var wireByte: UInt8 {
        switch self {
        case .low: 0
        case .normal: 1
        case .high, .critical: 2
        }
    }

    /// Whether a notification of this urgency stays until the user closes it
    /// (`expire_timeout` 0).
    public var neverExpires: Bool { self == .critical }

    /// The accepted spellings, for error messages.
    public static let acceptedSpellings = "low, normal, high, critical (any case) or the wire bytes 0, 1, 2"

    /// Reads an urgency from the freedesktop wire byte, whatever integer type
    /// the peer used (`y`, `u` or `i`): 0 low, 1 normal, 2 critical
    /// (byte 2 is what `notify-send -u critical` sends). Other values: `nil`.
    public init?<Integer: BinaryInteger>(wireByte: Integer) {
        switch wireByte {
        case 0: self = .low
        case 1: self = .normal
        case 2: self = .critical
        default: return nil
        }
    }

    /// Reads an urgency leniently: the names in any letter case with
    /// surrounding white space ignored, or the wire bytes `0`, `1`, `2`
    /// written as decimal text. Anything else (also the empty string): `nil`.
    public init?(lenient text: some StringProtocol) {
        let lowered = text.trimmingWhitespace.lowercased()
        if let urgency = Urgency(rawValue: lowered) {
            self = urgency
        } else if let byte = Int(lowered), let urgency = Urgency(wireByte: byte) {
            self = urgency
        } else {
            return nil
        }
    }

    /// Reads an urgency leniently (see ``init(lenient:)``), throwing an error
    /// that names the bad text and the accepted spellings.
    public static func parse(_ text: some StringProtocol) throws(ValidationError) -> Urgency {
        guard let urgency = Urgency(lenient: text) else {
            throw ValidationError("unknown urgency \"\(text)\"; accepted: \(acceptedSpellings)")
        }
        return urgency
    }

    /// The position in the order `low < normal < high < critical`.
    var rank: Int {
        switch self {
        case .low: 0
        case .normal: 1
        case .high: 2
        case .critical: 3
        }
    }

    public static func < (lhs: Urgency, rhs: Urgency) -> Bool { lhs.rank < rhs.rank }
}

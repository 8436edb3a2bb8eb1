/// A JSON value as trainbell reads it from the network (RFC 8259, plus the bare `NaN`, `Infinity` and
/// `-Infinity` that Python's `json` writes for such floats). Numbers are doubles: what the remote
/// schema carries (steps, totals, metrics, times) fits one exactly up to 2^53.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, else nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// A number that is a whole number from 0 to 2^53 (beyond, doubles skip integers).
    public var wholeNumber: UInt64? {
        guard case .number(let value) = self, value.isFinite, value >= 0, value <= 9_007_199_254_740_992,
              value.rounded(.towardZero) == value else { return nil }
        return UInt64(value)
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value as JSON text: object members sorted by key (stable output), non-finite numbers as
    /// Python writes them (`NaN`, `Infinity`, `-Infinity`).
    public var encoded: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return Self.number(value)
        case .string(let text): return JSONString.quoted(text)
        case .array(let items): return "[" + items.map(\.encoded).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.sorted { $0.key < $1.key }.map { JSONString.quoted($0.key) + ":" + $0.value.encoded }
                .joined(separator: ",") + "}"
        }
    }

    /// A number as JSON text: whole numbers without a fraction ("250", not "250.0").
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value.rounded(.towardZero) == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

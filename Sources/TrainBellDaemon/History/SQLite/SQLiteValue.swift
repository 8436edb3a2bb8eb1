/// A value bound to a parameter of a statement (`?1`, `?2`, …): the only way anything that came
/// from outside reaches SQL.
enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    /// NaN is stored as NULL by SQLite.
    case real(Double)
    case text(String)
    /// Bytes as they are (a metric series).
    case blob([UInt8])

    /// `.integer`, or `.null` for nil.
    init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    /// `.integer` of an `Int`, or `.null` for nil.
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    /// `.real`, or `.null` for nil.
    init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    /// `.text`, or `.null` for nil.
    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// 1 or 0, as SQLite stores booleans.
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }
}

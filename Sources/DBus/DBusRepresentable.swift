/// A Swift type with a fixed D-Bus type: converts to a `DBusValue` and back.
public protocol DBusRepresentable {
    static var dbusType: DBusType { get }
    var dbusValue: DBusValue { get }
    /// Nil when the value is of another type (variants are looked through).
    init?(dbusValue: DBusValue)
}

extension DBusValue {
    /// Converts to a Swift type or throws `InvalidArgs` naming what was expected and what came.
    public func decode<T: DBusRepresentable>(_: T.Type = T.self, what: String = "value") throws(BusError) -> T {
        guard let v = T(dbusValue: self) else {
            throw BusError(.invalidArgs, "\(what) must be of type '\(T.dbusType.signature)', got '\(unwrapped.type.signature)'")
        }
        return v
    }
}

extension UInt8: DBusRepresentable {
    public static var dbusType: DBusType { .byte }
    public var dbusValue: DBusValue { .byte(self) }
    public init?(dbusValue: DBusValue) { guard case .byte(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension Bool: DBusRepresentable {
    public static var dbusType: DBusType { .boolean }
    public var dbusValue: DBusValue { .boolean(self) }
    public init?(dbusValue: DBusValue) { guard case .boolean(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension Int16: DBusRepresentable {
    public static var dbusType: DBusType { .int16 }
    public var dbusValue: DBusValue { .int16(self) }
    public init?(dbusValue: DBusValue) { guard case .int16(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension UInt16: DBusRepresentable {
    public static var dbusType: DBusType { .uint16 }
    public var dbusValue: DBusValue { .uint16(self) }
    public init?(dbusValue: DBusValue) { guard case .uint16(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension Int32: DBusRepresentable {
    public static var dbusType: DBusType { .int32 }
    public var dbusValue: DBusValue { .int32(self) }
    public init?(dbusValue: DBusValue) { guard case .int32(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension UInt32: DBusRepresentable {
    public static var dbusType: DBusType { .uint32 }
    public var dbusValue: DBusValue { .uint32(self) }
    public init?(dbusValue: DBusValue) { guard case .uint32(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension Int64: DBusRepresentable {
    public static var dbusType: DBusType { .int64 }
    public var dbusValue: DBusValue { .int64(self) }
    public init?(dbusValue: DBusValue) { guard case .int64(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension UInt64: DBusRepresentable {
    public static var dbusType: DBusType { .uint64 }
    public var dbusValue: DBusValue { .uint64(self) }
    public init?(dbusValue: DBusValue) { guard case .uint64(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension Double: DBusRepresentable {
    public static var dbusType: DBusType { .double }
    public var dbusValue: DBusValue { .double(self) }
    public init?(dbusValue: DBusValue) { guard case .double(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension String: DBusRepresentable {
    public static var dbusType: DBusType { .string }
    public var dbusValue: DBusValue { .string(self) }
    public init?(dbusValue: DBusValue) { guard case .string(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension ObjectPath: DBusRepresentable {
    public static var dbusType: DBusType { .objectPath }
    public var dbusValue: DBusValue { .objectPath(self) }
    public init?(dbusValue: DBusValue) { guard case .objectPath(let v) = dbusValue.unwrapped else { return nil }; self = v }
}
extension Signature: DBusRepresentable {
    public static var dbusType: DBusType { .signature }
    public var dbusValue: DBusValue { .signature(self) }
    public init?(dbusValue: DBusValue) { guard case .signature(let v) = dbusValue.unwrapped else { return nil }; self = v }
}

/// `DBusValue` itself maps to a variant (`v`): `[String: DBusValue]` is `a{sv}`.
extension DBusValue: DBusRepresentable {
    public static var dbusType: DBusType { .variant }
    public var dbusValue: DBusValue { if case .variant = self { self } else { .variant(self) } }
    public init?(dbusValue: DBusValue) {
        guard case .variant(let inner) = dbusValue else { return nil }
        self = inner
    }
}

extension Array: DBusRepresentable where Element: DBusRepresentable {
    public static var dbusType: DBusType { .array(Element.dbusType) }
    public var dbusValue: DBusValue { .array(Element.dbusType, map(\.dbusValue)) }
    public init?(dbusValue: DBusValue) {
        guard case .array(_, let items) = dbusValue.unwrapped else { return nil }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let v = Element(dbusValue: item) else { return nil }
            result.append(v)
        }
        self = result
    }
}

extension Dictionary: DBusRepresentable where Key: DBusRepresentable, Value: DBusRepresentable {
    public static var dbusType: DBusType { .dictionary(key: Key.dbusType, value: Value.dbusType) }
    /// Entries in the dictionary's own order (unordered, as D-Bus dictionaries are).
    public var dbusValue: DBusValue {
        .dictionary(key: Key.dbusType, value: Value.dbusType, map { DictEntry($0.key.dbusValue, $0.value.dbusValue) })
    }
    public init?(dbusValue: DBusValue) {
        guard case .dictionary(_, _, let entries) = dbusValue.unwrapped else { return nil }
        var result: [Key: Value] = [:]
        for entry in entries {
            guard let k = Key(dbusValue: entry.key), let v = Value(dbusValue: entry.value) else { return nil }
            result[k] = v
        }
        self = result
    }
}

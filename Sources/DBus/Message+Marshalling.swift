import CDBus

extension Message {
    /// Appends values to the body; throws on values libdbus would refuse (validated first, nothing half-written).
    public func append(_ values: [DBusValue]) throws(BusError) {
        for value in values { try value.validate() }
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(raw, &iter)
        for value in values {
            guard Message.write(value, to: &iter) else {
                throw BusError(.noMemory, "libdbus could not append a value of type '\(value.type.signature)'")
            }
        }
    }

    public func append(_ values: DBusValue...) throws(BusError) { try append(values) }

    /// At most this many values (array elements count one each) are decoded from one message: a
    /// peer cannot make the process allocate gigabytes for a 128 MiB message of bytes.
    public static let maximumDecodedValues = 4 << 20

    /// Reads the whole body as typed values. Unix fds in it are new descriptors the caller owns
    /// (see `DBusValue.closeDescriptors`).
    public func arguments() throws(BusError) -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(raw, &iter) != 0 else { return [] }
        var result: [DBusValue] = []
        var budget = Message.maximumDecodedValues
        repeat {
            result.append(try Message.read(&iter, budget: &budget))
        } while dbus_message_iter_next(&iter) != 0
        return result
    }

    /// The first argument as a string, without decoding the rest (match rules' `arg0`).
    public var firstStringArgument: String? {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(raw, &iter) != 0,
              dbus_message_iter_get_arg_type(&iter) == Int32(UInt8(ascii: "s")) else { return nil }
        return Message.string(&iter)
    }

    /// Whether the message carries unix file descriptors.
    public var containsUnixFDs: Bool { dbus_message_contains_unix_fds(raw) != 0 }

    // MARK: writing

    private static func appendBasic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ code: UInt8, _ value: T) -> Bool {
        withUnsafePointer(to: value) { dbus_message_iter_append_basic(&iter, Int32(code), UnsafeRawPointer($0)) != 0 }
    }

    private static func appendString(_ iter: inout DBusMessageIter, _ code: UInt8, _ s: String) -> Bool {
        s.withCString { cs in
            var p: UnsafePointer<CChar>? = cs
            return dbus_message_iter_append_basic(&iter, Int32(code), &p) != 0
        }
    }

    private static func withContainer(_ iter: inout DBusMessageIter, _ code: UInt8, _ contained: String?,
                                      _ body: (inout DBusMessageIter) -> Bool) -> Bool {
        var sub = DBusMessageIter()
        let opened: Bool
        if let contained {
            opened = contained.withCString { dbus_message_iter_open_container(&iter, Int32(code), $0, &sub) != 0 }
        } else {
            opened = dbus_message_iter_open_container(&iter, Int32(code), nil, &sub) != 0
        }
        guard opened else { return false }
        guard body(&sub) else {
            dbus_message_iter_abandon_container(&iter, &sub)
            return false
        }
        return dbus_message_iter_close_container(&iter, &sub) != 0
    }

    static func write(_ value: DBusValue, to iter: inout DBusMessageIter) -> Bool {
        let code = value.type.code
        switch value {
        case .byte(let v): return appendBasic(&iter, code, v)
        case .boolean(let v): return appendBasic(&iter, code, dbus_bool_t(v ? 1 : 0))
        case .int16(let v): return appendBasic(&iter, code, v)
        case .uint16(let v): return appendBasic(&iter, code, v)
        case .int32(let v): return appendBasic(&iter, code, v)
        case .uint32(let v): return appendBasic(&iter, code, v)
        case .int64(let v): return appendBasic(&iter, code, v)
        case .uint64(let v): return appendBasic(&iter, code, v)
        case .double(let v): return appendBasic(&iter, code, v)
        case .unixFD(let v): return appendBasic(&iter, code, v)
        case .string(let s): return appendString(&iter, code, s)
        case .objectPath(let p): return appendString(&iter, code, p.rawValue)
        case .signature(let g): return appendString(&iter, code, g.rawValue)
        case .array(let element, let items):
            if element == .byte {
                let bytes: [UInt8] = items.map { item -> UInt8 in
                    if case .byte(let b) = item { return b }
                    return 0
                }
                return withContainer(&iter, code, "y") { sub in
                    bytes.withUnsafeBufferPointer { buffer in
                        var base = buffer.baseAddress
                        return dbus_message_iter_append_fixed_array(&sub, Int32(UInt8(ascii: "y")), &base,
                                                                    Int32(buffer.count)) != 0
                    }
                }
            }
            return withContainer(&iter, code, element.signature) { sub in
                items.allSatisfy { write($0, to: &sub) }
            }
        case .dictionary(let key, let valueType, let entries):
            return withContainer(&iter, code, "{" + key.signature + valueType.signature + "}") { sub in
                entries.allSatisfy { entry in
                    withContainer(&sub, UInt8(ascii: "e"), nil) { pair in
                        write(entry.key, to: &pair) && write(entry.value, to: &pair)
                    }
                }
            }
        case .structure(let fields):
            return withContainer(&iter, code, nil) { sub in fields.allSatisfy { write($0, to: &sub) } }
        case .variant(let inner):
            return withContainer(&iter, code, inner.type.signature) { sub in write(inner, to: &sub) }
        }
    }

    // MARK: reading

    private static func basic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ zero: T) -> T {
        var v = zero
        withUnsafeMutablePointer(to: &v) { dbus_message_iter_get_basic(&iter, UnsafeMutableRawPointer($0)) }
        return v
    }

    @usableFromInline
    static func string(_ iter: inout DBusMessageIter) -> String {
        var p: UnsafePointer<CChar>? = nil
        dbus_message_iter_get_basic(&iter, &p)
        return p.map { String(cString: $0) } ?? ""
    }

    /// The signature of the value at `iter`, parsed.
    private static func currentType(_ iter: inout DBusMessageIter) throws(BusError) -> DBusType {
        guard let sig = dbus_message_iter_get_signature(&iter) else {
            throw BusError(.noMemory, "libdbus could not read a signature")
        }
        defer { dbus_free(sig) }
        return try DBusType(parsing: String(cString: sig))
    }

    @usableFromInline
    static func read(_ iter: inout DBusMessageIter, budget: inout Int) throws(BusError) -> DBusValue {
        budget -= 1
        guard budget >= 0 else {
            throw BusError(.limitsExceeded, "the message holds more than \(maximumDecodedValues) values, which is more than is accepted")
        }
        let code = dbus_message_iter_get_arg_type(&iter)
        switch UInt8(truncatingIfNeeded: code) {
        case UInt8(ascii: "y"): return .byte(basic(&iter, UInt8(0)))
        case UInt8(ascii: "b"): return .boolean(basic(&iter, dbus_bool_t(0)) != 0)
        case UInt8(ascii: "n"): return .int16(basic(&iter, Int16(0)))
        case UInt8(ascii: "q"): return .uint16(basic(&iter, UInt16(0)))
        case UInt8(ascii: "i"): return .int32(basic(&iter, Int32(0)))
        case UInt8(ascii: "u"): return .uint32(basic(&iter, UInt32(0)))
        case UInt8(ascii: "x"): return .int64(basic(&iter, Int64(0)))
        case UInt8(ascii: "t"): return .uint64(basic(&iter, UInt64(0)))
        case UInt8(ascii: "d"): return .double(basic(&iter, Double(0)))
        case UInt8(ascii: "h"): return .unixFD(basic(&iter, Int32(-1)))
        case UInt8(ascii: "s"): return .string(string(&iter))
        case UInt8(ascii: "o"):
            let s = string(&iter)
            guard let p = ObjectPath(rawValue: s) else { throw BusError(.invalidArgs, "invalid object path '\(s)'") }
            return .objectPath(p)
        case UInt8(ascii: "g"): return .signature(try Signature(parsing: string(&iter)))
        case UInt8(ascii: "v"):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            return .variant(try read(&sub, budget: &budget))
        case UInt8(ascii: "r"):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var fields: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != 0 {
                fields.append(try read(&sub, budget: &budget))
                dbus_message_iter_next(&sub)
            }
            return .structure(fields)
        case UInt8(ascii: "a"):
            let type = try currentType(&iter)
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            switch type {
            case .dictionary(let key, let value):
                var entries: [DictEntry] = []
                while dbus_message_iter_get_arg_type(&sub) != 0 {
                    var pair = DBusMessageIter()
                    dbus_message_iter_recurse(&sub, &pair)
                    let k = try read(&pair, budget: &budget)
                    dbus_message_iter_next(&pair)
                    let v = try read(&pair, budget: &budget)
                    entries.append(DictEntry(k, v))
                    dbus_message_iter_next(&sub)
                }
                return .dictionary(key: key, value: value, entries)
            case .array(.byte):
                var base: UnsafeMutableRawPointer? = nil
                var count: Int32 = 0
                withUnsafeMutablePointer(to: &base) { p in
                    dbus_message_iter_get_fixed_array(&sub, UnsafeMutableRawPointer(p), &count)
                }
                budget -= Int(count)
                guard budget >= 0 else {
                    throw BusError(.limitsExceeded, "the message holds more than \(maximumDecodedValues) values, which is more than is accepted")
                }
                let bytes = base.map { UnsafeRawBufferPointer(start: $0, count: Int(count)) }
                return .array(.byte, bytes.map { $0.map { DBusValue.byte($0) } } ?? [])
            case .array(let element):
                var items: [DBusValue] = []
                while dbus_message_iter_get_arg_type(&sub) != 0 {
                    items.append(try read(&sub, budget: &budget))
                    dbus_message_iter_next(&sub)
                }
                return .array(element, items)
            default:
                throw BusError(.invalidSignature, "unexpected array signature '\(type.signature)'")
            }
        default:
            throw BusError(.invalidSignature, "unknown type code \(code) in message")
        }
    }
}

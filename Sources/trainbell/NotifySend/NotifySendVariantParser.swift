import DBus

/// GVariant text format (what `g_variant_parse` reads for `notify-send -h variant:NAME:TEXT`), the part that
/// has a D-Bus type: numbers (`5` is int32, `2.5` double), `true`/`false`, strings in `'…'` or `"…"`, `b'…'`
/// byte strings, `<…>` variants, `[…]` arrays, `(…)` tuples, `{k: v, …}` dictionaries, the type keywords
/// (`int64 5`, `uint32 7`, `byte 0x10`, `objectpath '/a'`, `signature 'as'`…) and `@T` annotations (`@as []`).
/// Maybe types (`nothing`, `just`) have no D-Bus form and are refused, as are empty tuples.
enum NotifySendVariantParser {
    struct Failure: Error {
        let message: String
    }

    /// Parses one value; the whole text must be used.
    static func parse(_ text: String) throws(Failure) -> DBusValue {
        var parser = Parser(bytes: Array(text.utf8))
        let node = try parser.value()
        parser.skipSpace()
        guard parser.atEnd else { throw Failure(message: "text after the value") }
        let value = try node.build(as: node.inferredType())
        do { try value.validate() } catch { throw Failure(message: error.message) }
        return value
    }

    /// What the text says, before types are settled.
    fileprivate indirect enum Node {
        case number(String)
        case string(String)
        case bytes([UInt8])
        case boolean(Bool)
        case variant(Node)
        case array([Node])
        case tuple([Node])
        case dictionary([(Node, Node)])
        case entry(Node, Node)
        case typed(DBusType, Node)
    }

    fileprivate struct Parser {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position >= bytes.count }
        var current: UInt8? { atEnd ? nil : bytes[position] }

        mutating func skipSpace() {
            while let c = current, c == 0x20 || (0x09...0x0D).contains(c) { position += 1 }
        }

        mutating func expect(_ c: UInt8) throws(Failure) {
            skipSpace()
            guard current == c else { throw Failure(message: "expected '\(Character(Unicode.Scalar(c)))'") }
            position += 1
        }

        mutating func value() throws(Failure) -> Node {
            skipSpace()
            guard let c = current else { throw Failure(message: "expected a value") }
            switch c {
            case UInt8(ascii: "<"):
                position += 1
                let inner = try value()
                try expect(UInt8(ascii: ">"))
                return .variant(inner)
            case UInt8(ascii: "["):
                position += 1
                return .array(try list(until: UInt8(ascii: "]")))
            case UInt8(ascii: "("):
                position += 1
                return .tuple(try list(until: UInt8(ascii: ")")))
            case UInt8(ascii: "{"):
                position += 1
                return try dictionary()
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(String(decoding: try quoted(), as: UTF8.self))
            case UInt8(ascii: "@"):
                position += 1
                let type = try annotation()
                return .typed(type, try value())
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
                return .number(word())
            default:
                let w = word()
                if w == "b", current == UInt8(ascii: "'") || current == UInt8(ascii: "\"") {
                    return .bytes(try quoted())
                }
                switch w {
                case "true": return .boolean(true)
                case "false": return .boolean(false)
                case "inf", "nan": return .number(w)
                default:
                    guard let type = Self.keywords[w] else { throw Failure(message: "unknown keyword '\(w)'") }
                    return .typed(type, try value())
                }
            }
        }

        static let keywords: [String: DBusType] = [
            "boolean": .boolean, "byte": .byte, "int16": .int16, "uint16": .uint16, "int32": .int32,
            "uint32": .uint32, "int64": .int64, "uint64": .uint64, "double": .double, "string": .string,
            "objectpath": .objectPath, "signature": .signature,
        ]

        /// Letters, digits and the characters of numbers (`-1.5e3`, `0x1F`).
        mutating func word() -> String {
            let start = position
            while let c = current,
                  (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
                    || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func list(until close: UInt8) throws(Failure) -> [Node] {
            var items: [Node] = []
            skipSpace()
            if current == close { position += 1; return items }
            while true {
                items.append(try value())
                skipSpace()
                if current == close { position += 1; return items }
                try expect(UInt8(ascii: ","))
            }
        }

        /// `{k: v, …}` (a dictionary) or `{k, v}` (one entry, for arrays of entries).
        mutating func dictionary() throws(Failure) -> Node {
            skipSpace()
            if current == UInt8(ascii: "}") { position += 1; return .dictionary([]) }
            let key = try value()
            skipSpace()
            if current == UInt8(ascii: ",") {
                position += 1
                let v = try value()
                try expect(UInt8(ascii: "}"))
                return .entry(key, v)
            }
            try expect(UInt8(ascii: ":"))
            var entries = [(key, try value())]
            while true {
                skipSpace()
                if current == UInt8(ascii: "}") { position += 1; return .dictionary(entries) }
                try expect(UInt8(ascii: ","))
                let k = try value()
                try expect(UInt8(ascii: ":"))
                entries.append((k, try value()))
            }
        }

        /// A quoted string with GVariant's escapes.
        mutating func quoted() throws(Failure) -> [UInt8] {
            guard let quote = current else { throw Failure(message: "expected a string") }
            position += 1
            var out: [UInt8] = []
            while let c = current {
                position += 1
                if c == quote { return out }
                guard c == UInt8(ascii: "\\") else { out.append(c); continue }
                guard let e = current else { break }
                position += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "a"): out.append(0x07)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "v"): out.append(0x0B)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = e == UInt8(ascii: "u") ? 4 : 8
                    guard position + count <= bytes.count,
                          let code = UInt32(String(decoding: bytes[position..<position + count], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else { throw Failure(message: "bad unicode escape") }
                    position += count
                    out += Array(String(Character(scalar)).utf8)
                default: out.append(e)
                }
            }
            throw Failure(message: "unterminated string")
        }

        /// One complete type after `@`.
        mutating func annotation() throws(Failure) -> DBusType {
            let start = position
            var depth = 0
            while let c = current {
                position += 1
                switch c {
                case UInt8(ascii: "a"): continue
                case UInt8(ascii: "("), UInt8(ascii: "{"): depth += 1; continue
                case UInt8(ascii: ")"), UInt8(ascii: "}"): depth -= 1
                default: break
                }
                if depth <= 0 { break }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            do { return try DBusType(parsing: text) } catch { throw Failure(message: "bad type '\(text)'") }
        }
    }
}

extension NotifySendVariantParser.Node {
    typealias Failure = NotifySendVariantParser.Failure

    var isUntypedNumber: Bool { if case .number = self { true } else { false } }

    /// The type GVariant gives a value without context: int32 for whole numbers, double otherwise.
    func inferredType() throws(Failure) -> DBusType {
        switch self {
        case .number(let text): return Self.isFloat(text) ? .double : .int32
        case .string: return .string
        case .bytes: return .array(.byte)
        case .boolean: return .boolean
        case .variant: return .variant
        case .typed(let type, _): return type
        case .tuple(let items):
            guard !items.isEmpty else { throw Failure(message: "an empty tuple has no D-Bus type") }
            var types: [DBusType] = []
            for item in items { types.append(try item.inferredType()) }
            return .structure(types)
        case .array(let items):
            var keys: [Self] = []
            var values: [Self] = []
            for item in items {
                guard case .entry(let k, let v) = item else { return .array(try Self.common(items)) }
                keys.append(k)
                values.append(v)
            }
            return .dictionary(key: try Self.common(keys), value: try Self.common(values))
        case .dictionary(let entries):
            return .dictionary(key: try Self.common(entries.map(\.0)), value: try Self.common(entries.map(\.1)))
        case .entry: throw Failure(message: "a dictionary entry outside an array")
        }
    }

    /// The element type of a list: the first typed element's, else int32 or double for bare numbers.
    static func common(_ items: [Self]) throws(Failure) -> DBusType {
        guard !items.isEmpty else { throw Failure(message: "cannot infer the type of an empty container; annotate it (@as [])") }
        if let typed = items.first(where: { !$0.isUntypedNumber }) { return try typed.inferredType() }
        return items.contains { if case .number(let t) = $0 { isFloat(t) } else { false } } ? .double : .int32
    }

    static func isFloat(_ text: String) -> Bool {
        let lower = text.asciiLowercased
        if lower.hasPrefix("0x") || lower.hasPrefix("-0x") || lower.hasPrefix("+0x") { return false }
        return lower.contains(".") || lower.contains("e") || lower.hasSuffix("inf") || lower.hasSuffix("nan")
    }

    func build(as type: DBusType) throws(Failure) -> DBusValue {
        switch (self, type) {
        case (.typed(let t, let inner), _):
            guard t == type else { throw Failure(message: "type \(t) where \(type) is expected") }
            return try inner.build(as: t)
        case (.number(let text), _):
            return try Self.number(text, as: type)
        case (.string(let s), .string): return .string(s)
        case (.string(let s), .objectPath):
            guard let path = ObjectPath(rawValue: s) else { throw Failure(message: "'\(s)' is not an object path") }
            return .objectPath(path)
        case (.string(let s), .signature):
            do { return .signature(try Signature(parsing: s)) } catch { throw Failure(message: error.message) }
        case (.bytes(let b), .array(.byte)): return .array(.byte, b.map { .byte($0) })
        case (.boolean(let b), .boolean): return .boolean(b)
        case (.variant(let inner), .variant): return .variant(try inner.build(as: inner.inferredType()))
        case (.array(let items), .array(let element)):
            var values: [DBusValue] = []
            for item in items { values.append(try item.build(as: element)) }
            return .array(element, values)
        case (.array(let items), .dictionary(let k, let v)):
            var entries: [DictEntry] = []
            for item in items {
                guard case .entry(let key, let value) = item else { throw Failure(message: "expected dictionary entries") }
                entries.append(DictEntry(try key.build(as: k), try value.build(as: v)))
            }
            return .dictionary(key: k, value: v, entries)
        case (.dictionary(let pairs), .dictionary(let k, let v)):
            var entries: [DictEntry] = []
            for (key, value) in pairs { entries.append(DictEntry(try key.build(as: k), try value.build(as: v))) }
            return .dictionary(key: k, value: v, entries)
        case (.tuple(let items), .structure(let types)) where items.count == types.count:
            var values: [DBusValue] = []
            for (item, t) in zip(items, types) { values.append(try item.build(as: t)) }
            return .structure(values)
        default:
            throw Failure(message: "a value that is not of type \(type)")
        }
    }

    /// A number literal as `type`: whole numbers in range for integer types, anything for double.
    static func number(_ text: String, as type: DBusType) throws(Failure) -> DBusValue {
        if type == .double {
            guard let d = Double(text) else { throw Failure(message: "'\(text)' is not a number") }
            return .double(d)
        }
        guard !isFloat(text), let n = integer(text) else { throw Failure(message: "'\(text)' is not a whole number") }
        func fit<T: FixedWidthInteger>(_: T.Type) throws(Failure) -> T {
            guard let v = T(exactly: n) else { throw Failure(message: "\(text) is out of range for \(type)") }
            return v
        }
        switch type {
        case .byte: return .byte(try fit(UInt8.self))
        case .int16: return .int16(try fit(Int16.self))
        case .uint16: return .uint16(try fit(UInt16.self))
        case .int32: return .int32(try fit(Int32.self))
        case .uint32: return .uint32(try fit(UInt32.self))
        case .int64: return .int64(try fit(Int64.self))
        case .uint64: return .uint64(try fit(UInt64.self))
        default: throw Failure(message: "a number where \(type) is expected")
        }
    }

    /// Decimal or 0x hexadecimal, with a sign; wide enough for uint64 and int64.
    static func integer(_ text: String) -> Int128? {
        var t = Substring(text)
        var negative = false
        if t.first == "-" || t.first == "+" { negative = t.first == "-"; t = t.dropFirst() }
        let radix = t.asciiLowercased.hasPrefix("0x") ? 16 : 10
        if radix == 16 { t = t.dropFirst(2) }
        guard !t.isEmpty, let magnitude = UInt64(t, radix: radix) else { return nil }
        return negative ? -Int128(magnitude) : Int128(magnitude)
    }
}

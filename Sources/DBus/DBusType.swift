/// One complete D-Bus type, as a signature describes it.
public indirect enum DBusType: Hashable, Sendable, CustomStringConvertible {
    case byte, boolean, int16, uint16, int32, uint32, int64, uint64, double
    case string, objectPath, signature, unixFD
    case array(DBusType)
    /// `a{kv}`: an array of dict entries. The key is a basic type.
    case dictionary(key: DBusType, value: DBusType)
    case structure([DBusType])
    case variant

    /// The type code of the spec (`y`, `s`, `a`, `(` …).
    public var code: UInt8 {
        switch self {
        case .byte: UInt8(ascii: "y")
        case .boolean: UInt8(ascii: "b")
        case .int16: UInt8(ascii: "n")
        case .uint16: UInt8(ascii: "q")
        case .int32: UInt8(ascii: "i")
        case .uint32: UInt8(ascii: "u")
        case .int64: UInt8(ascii: "x")
        case .uint64: UInt8(ascii: "t")
        case .double: UInt8(ascii: "d")
        case .string: UInt8(ascii: "s")
        case .objectPath: UInt8(ascii: "o")
        case .signature: UInt8(ascii: "g")
        case .unixFD: UInt8(ascii: "h")
        case .array, .dictionary: UInt8(ascii: "a")
        case .structure: UInt8(ascii: "r")
        case .variant: UInt8(ascii: "v")
        }
    }

    /// Basic types may be dictionary keys.
    public var isBasic: Bool {
        switch self {
        case .array, .dictionary, .structure, .variant: false
        default: true
        }
    }

    /// The signature text of this one type.
    public var signature: String {
        switch self {
        case .array(let element): "a" + element.signature
        case .dictionary(let key, let value): "a{" + key.signature + value.signature + "}"
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        default: String(UnicodeScalar(code))
        }
    }

    public var description: String { signature }

    /// Parses exactly one complete type.
    public init(parsing text: String) throws(BusError) {
        let signature = try Signature(parsing: text)
        guard signature.types.count == 1, let only = signature.types.first else {
            throw BusError(.invalidSignature, "'\(text)' is not a single complete type")
        }
        self = only
    }
}

/// A validated signature: a sequence of complete types, at most 255 bytes, nesting within the spec's limits.
public struct Signature: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let types: [DBusType]

    public init(_ types: [DBusType]) { self.types = types }

    public init(parsing text: String) throws(BusError) {
        var parser = SignatureParser(bytes: Array(text.utf8), text: text)
        types = try parser.parseAll()
    }

    /// For literals in the program's own source.
    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("invalid signature literal: \(error)") }
    }

    public var rawValue: String { types.map(\.signature).joined() }
    public var description: String { rawValue }

    public static let empty = Signature([])
}

/// Reads a signature by the grammar of the spec, with its limits (255 bytes, 32 array and 32 struct levels).
struct SignatureParser {
    let bytes: [UInt8]
    let text: String
    var index = 0

    static let maximumLength = 255
    static let maximumDepth = 32

    init(bytes: [UInt8], text: String) {
        self.bytes = bytes
        self.text = text
    }

    mutating func parseAll() throws(BusError) -> [DBusType] {
        guard bytes.count <= Self.maximumLength else {
            throw failure("is longer than 255 bytes")
        }
        var result: [DBusType] = []
        while index < bytes.count {
            result.append(try parseOne(arrayDepth: 0, structDepth: 0))
        }
        return result
    }

    func failure(_ what: String) -> BusError {
        BusError(.invalidSignature, "signature '\(text)' \(what)")
    }

    mutating func parseOne(arrayDepth: Int, structDepth: Int) throws(BusError) -> DBusType {
        guard index < bytes.count else { throw failure("ends inside a type") }
        let c = bytes[index]
        index += 1
        switch c {
        case UInt8(ascii: "y"): return .byte
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "n"): return .int16
        case UInt8(ascii: "q"): return .uint16
        case UInt8(ascii: "i"): return .int32
        case UInt8(ascii: "u"): return .uint32
        case UInt8(ascii: "x"): return .int64
        case UInt8(ascii: "t"): return .uint64
        case UInt8(ascii: "d"): return .double
        case UInt8(ascii: "s"): return .string
        case UInt8(ascii: "o"): return .objectPath
        case UInt8(ascii: "g"): return .signature
        case UInt8(ascii: "h"): return .unixFD
        case UInt8(ascii: "v"): return .variant
        case UInt8(ascii: "a"):
            guard arrayDepth < Self.maximumDepth else { throw failure("nests arrays deeper than 32") }
            if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
                index += 1
                let key = try parseOne(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
                guard key.isBasic else { throw failure("has a dict entry whose key '\(key.signature)' is not a basic type") }
                let value = try parseOne(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
                guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
                    throw failure("has a dict entry that is not exactly a key and a value followed by '}'")
                }
                index += 1
                return .dictionary(key: key, value: value)
            }
            return .array(try parseOne(arrayDepth: arrayDepth + 1, structDepth: structDepth))
        case UInt8(ascii: "("):
            guard structDepth < Self.maximumDepth else { throw failure("nests structs deeper than 32") }
            var fields: [DBusType] = []
            while true {
                guard index < bytes.count else { throw failure("has a '(' without ')'") }
                if bytes[index] == UInt8(ascii: ")") { index += 1; break }
                fields.append(try parseOne(arrayDepth: arrayDepth, structDepth: structDepth + 1))
            }
            guard !fields.isEmpty else { throw failure("has an empty struct '()'") }
            return .structure(fields)
        default:
            throw failure("has '\(Character(UnicodeScalar(c)))' at byte \(index - 1), which is not a type code (accepted: y b n q i u x t d s o g h v a( ) a{ })")
        }
    }
}

/// The rules of the D-Bus specification for names, shared by the name types below.
enum NameGrammar {
    static let maximumLength = 255

    static func isElementStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    static func isElementCharacter(_ c: UInt8) -> Bool {
        isElementStart(c) || (c >= 0x30 && c <= 0x39)
    }

    /// `a.b.c`: at least two elements of `[A-Za-z_][A-Za-z0-9_]*`; interface and error names.
    static func isDottedName(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        var elements = 0
        for element in bytes.split(separator: 0x2E, omittingEmptySubsequences: false) {
            guard let first = element.first, isElementStart(first),
                  element.allSatisfy(isElementCharacter) else { return false }
            elements += 1
        }
        return elements >= 2
    }
}

/// A validated D-Bus object path, such as `/org/trainbell/TrainBell1`.
public struct ObjectPath: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    /// Nil when `rawValue` breaks the rules: starts with `/`, elements of `[A-Za-z0-9_]`, no empty element, no trailing `/`.
    public init?(rawValue: String) {
        guard ObjectPath.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// For literals in the program's own source; a bad literal is a programming error.
    public init(stringLiteral value: String) {
        guard ObjectPath.isValid(value) else { preconditionFailure("invalid object path literal '\(value)'") }
        self.rawValue = value
    }

    /// A path libdbus read from a message it validated already (every header field is checked when a
    /// message is read): not checked again.
    init(trusted rawValue: String) { self.rawValue = rawValue }

    /// Validates input from outside the program, with an error that says what is accepted.
    public static func validated(_ value: String) throws(BusError) -> ObjectPath {
        guard let path = ObjectPath(rawValue: value) else {
            throw BusError(.invalidArgs, "'\(value)' is not a valid object path: it must start with '/' and have elements of [A-Za-z0-9_] separated by single '/'")
        }
        return path
    }

    public static let root: ObjectPath = "/"

    public static func isValid(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard bytes.first == 0x2F else { return false }
        if bytes.count == 1 { return true }
        if bytes.last == 0x2F { return false }
        for element in bytes.dropFirst().split(separator: 0x2F, omittingEmptySubsequences: false) {
            guard !element.isEmpty, element.allSatisfy(NameGrammar.isElementCharacter) else { return false }
        }
        return true
    }

    /// `/a/b` + `c` = `/a/b/c`; the element must be valid.
    public func appending(_ element: String) -> ObjectPath? {
        ObjectPath(rawValue: self == .root ? "/" + element : rawValue + "/" + element)
    }

    /// True when `self` lies strictly below `ancestor`.
    public func isDescendant(of ancestor: ObjectPath) -> Bool {
        if ancestor == .root { return self != .root }
        return rawValue.hasPrefix(ancestor.rawValue + "/")
    }

    /// The first element of `self` below `ancestor`, or nil when `self` is not below it.
    public func childElement(below ancestor: ObjectPath) -> String? {
        guard isDescendant(of: ancestor) else { return nil }
        let rest = rawValue.dropFirst(ancestor == .root ? 1 : ancestor.rawValue.count + 1)
        return String(rest.split(separator: "/", maxSplits: 1).first ?? rest)
    }

    public var description: String { rawValue }
    public static func < (a: ObjectPath, b: ObjectPath) -> Bool { a.rawValue < b.rawValue }
}

/// A validated bus name: unique (`:1.42`) or well-known (`org.trainbell.TrainBell1`).
public struct BusName: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init?(rawValue: String) {
        guard BusName.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        guard BusName.isValid(value) else { preconditionFailure("invalid bus name literal '\(value)'") }
        self.rawValue = value
    }

    public static func validated(_ value: String) throws(BusError) -> BusName {
        guard let name = BusName(rawValue: value) else {
            throw BusError(.invalidArgs, "'\(value)' is not a valid bus name: two or more elements of [A-Za-z0-9_-] separated by '.', not starting with a digit (unique names start with ':'), at most 255 bytes")
        }
        return name
    }

    public var isUnique: Bool { rawValue.utf8.first == 0x3A }

    public static func isValid(_ s: String) -> Bool {
        var bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= NameGrammar.maximumLength else { return false }
        let unique = bytes[0] == 0x3A
        if unique { bytes.removeFirst() }
        let elements = bytes.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard elements.count >= 2 else { return false }
        for element in elements {
            guard let first = element.first else { return false }
            if !unique && first >= 0x30 && first <= 0x39 { return false }
            guard element.allSatisfy({ NameGrammar.isElementCharacter($0) || $0 == 0x2D }) else { return false }
        }
        return true
    }

    public var description: String { rawValue }
}

/// A validated interface name such as `org.freedesktop.DBus.Properties`.
public struct InterfaceName: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init?(rawValue: String) {
        guard NameGrammar.isDottedName(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        guard NameGrammar.isDottedName(value) else { preconditionFailure("invalid interface name literal '\(value)'") }
        self.rawValue = value
    }

    /// A name libdbus read from a message it validated already: not checked again.
    init(trusted rawValue: String) { self.rawValue = rawValue }

    public static func validated(_ value: String) throws(BusError) -> InterfaceName {
        guard let name = InterfaceName(rawValue: value) else {
            throw BusError(.invalidArgs, "'\(value)' is not a valid interface name: two or more elements of [A-Za-z_][A-Za-z0-9_]* separated by '.', at most 255 bytes")
        }
        return name
    }

    public static let properties: InterfaceName = "org.freedesktop.DBus.Properties"
    public static let introspectable: InterfaceName = "org.freedesktop.DBus.Introspectable"
    public static let peer: InterfaceName = "org.freedesktop.DBus.Peer"
    public static let objectManager: InterfaceName = "org.freedesktop.DBus.ObjectManager"
    public static let bus: InterfaceName = "org.freedesktop.DBus"

    public var description: String { rawValue }
}

/// A validated member (method or signal or property) name such as `ReportProgress`.
public struct MemberName: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init?(rawValue: String) {
        guard MemberName.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        guard MemberName.isValid(value) else { preconditionFailure("invalid member name literal '\(value)'") }
        self.rawValue = value
    }

    /// A name libdbus read from a message it validated already: not checked again.
    init(trusted rawValue: String) { self.rawValue = rawValue }

    public static func validated(_ value: String) throws(BusError) -> MemberName {
        guard let name = MemberName(rawValue: value) else {
            throw BusError(.invalidArgs, "'\(value)' is not a valid member name: [A-Za-z_][A-Za-z0-9_]*, at most 255 bytes")
        }
        return name
    }

    public static func isValid(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, bytes.count <= NameGrammar.maximumLength,
              NameGrammar.isElementStart(first) else { return false }
        return bytes.allSatisfy(NameGrammar.isElementCharacter)
    }

    public var description: String { rawValue }
}

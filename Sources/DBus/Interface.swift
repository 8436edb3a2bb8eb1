/// A named, typed argument of a method or signal.
public struct Argument: Sendable, Hashable {
    public let name: String
    public let type: DBusType

    public init(_ name: String, _ type: DBusType) {
        self.name = name
        self.type = type
    }

    public init(_ name: String, _ signature: Signature) {
        precondition(signature.types.count == 1, "argument '\(name)' needs one complete type")
        self.init(name, signature.types[0])
    }
}

/// An `<annotation name value>` of introspection.
public struct Annotation: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static let noReply = Annotation("org.freedesktop.DBus.Method.NoReply", "true")
    public static let deprecated = Annotation("org.freedesktop.DBus.Deprecated", "true")
}

/// One incoming method call, as a handler sees it.
public struct MethodCall {
    public let message: Message
    public let arguments: [DBusValue]
    public let connection: Connection

    /// The caller's unique name.
    public var sender: String { message.sender ?? "" }
    public var path: ObjectPath { message.path ?? .root }

    /// The argument at `index` as a Swift type; `InvalidArgs` naming the argument when it is not.
    public func argument<T: DBusRepresentable>(_ index: Int, as type: T.Type = T.self) throws(BusError) -> T {
        guard arguments.indices.contains(index) else {
            throw BusError(.invalidArgs, "missing argument \(index)")
        }
        return try arguments[index].decode(T.self, what: "argument \(index)")
    }
}

/// Replies to a call whose handler answers later (after another call, for example). Replies once.
public final class PendingReply {
    let call: MethodCall
    private(set) var replied = false

    init(call: MethodCall) { self.call = call }

    public func succeed(_ values: [DBusValue] = []) {
        guard !replied else { return }
        replied = true
        call.connection.reply(to: call.message, with: .success(values))
    }

    public func fail(_ error: BusError) {
        guard !replied else { return }
        replied = true
        call.connection.reply(to: call.message, with: .failure(error))
    }

    /// Marks the call answered by other means (an ``ArrayReply``).
    func markReplied() { replied = true }
}

/// A method of an exported interface: its arguments, and the handler that dispatch calls.
public struct Method {
    public enum Handler {
        /// Returns the out values (or throws, which becomes an error reply).
        case immediate((MethodCall) throws -> [DBusValue])
        /// Answers later through the `PendingReply`.
        case deferred((MethodCall, PendingReply) -> Void)
    }

    public let name: MemberName
    public let inArguments: [Argument]
    public let outArguments: [Argument]
    public let annotations: [Annotation]
    public let documentation: String?
    public let handler: Handler
    /// The signature of the in arguments, made once (every call is checked against it).
    public let inSignature: String
    /// The handler reads its arguments from the message itself (``ArgumentReader``): the call is
    /// dispatched without a ``DBusValue`` made for each argument, and its ``MethodCall/arguments`` is empty.
    public var readsItsArguments = false

    public init(_ name: MemberName, in inArguments: [Argument] = [], out outArguments: [Argument] = [],
                annotations: [Annotation] = [], documentation: String? = nil,
                _ body: @escaping (MethodCall) throws -> [DBusValue]) {
        self.name = name
        self.inArguments = inArguments
        self.inSignature = inArguments.map(\.type.signature).joined()
        self.outArguments = outArguments
        self.annotations = annotations
        self.documentation = documentation
        self.handler = .immediate(body)
    }

    public init(_ name: MemberName, in inArguments: [Argument] = [], out outArguments: [Argument] = [],
                annotations: [Annotation] = [], documentation: String? = nil,
                deferred body: @escaping (MethodCall, PendingReply) -> Void) {
        self.name = name
        self.inArguments = inArguments
        self.inSignature = inArguments.map(\.type.signature).joined()
        self.outArguments = outArguments
        self.annotations = annotations
        self.documentation = documentation
        self.handler = .deferred(body)
    }

    public var outSignature: String { outArguments.map(\.type.signature).joined() }
}

/// A property of an exported interface.
public struct Property {
    public enum Access: String, Sendable {
        case read, write, readwrite
    }

    /// `org.freedesktop.DBus.Property.EmitsChangedSignal`.
    public enum ChangeEmission: String, Sendable {
        case `true`, invalidates, const, `false`
    }

    public let name: MemberName
    public let type: DBusType
    public let access: Access
    public let emitsChange: ChangeEmission
    public let documentation: String?
    public let get: () -> DBusValue
    public let set: ((DBusValue, MethodCall) throws -> Void)?

    /// A read-only property.
    public init(_ name: MemberName, _ type: DBusType, emitsChange: ChangeEmission = .true,
                documentation: String? = nil, get: @escaping () -> DBusValue) {
        self.name = name
        self.type = type
        self.access = .read
        self.emitsChange = emitsChange
        self.documentation = documentation
        self.get = get
        self.set = nil
    }

    /// A read-write property; `set` receives a value already checked against `type`.
    public init(_ name: MemberName, _ type: DBusType, emitsChange: ChangeEmission = .true,
                documentation: String? = nil, get: @escaping () -> DBusValue,
                set: @escaping (DBusValue, MethodCall) throws -> Void) {
        self.name = name
        self.type = type
        self.access = .readwrite
        self.emitsChange = emitsChange
        self.documentation = documentation
        self.get = get
        self.set = set
    }
}

/// A signal an interface may emit.
public struct SignalDeclaration: Sendable {
    public let name: MemberName
    public let arguments: [Argument]
    public let documentation: String?

    public init(_ name: MemberName, _ arguments: [Argument] = [], documentation: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.documentation = documentation
    }
}

/// An interface as one table: dispatch and introspection both come from it.
public struct Interface {
    public let name: InterfaceName
    public let methods: [Method]
    public let properties: [Property]
    public let signals: [SignalDeclaration]
    public let documentation: String?

    public init(_ name: InterfaceName, documentation: String? = nil, methods: [Method] = [],
                properties: [Property] = [], signals: [SignalDeclaration] = []) {
        self.name = name
        self.methods = methods
        self.properties = properties
        self.signals = signals
        self.documentation = documentation
    }

    public func method(_ name: MemberName) -> Method? { methods.first { $0.name == name } }
    public func property(_ name: MemberName) -> Property? { properties.first { $0.name == name } }
    public func signal(_ name: MemberName) -> SignalDeclaration? { signals.first { $0.name == name } }
}

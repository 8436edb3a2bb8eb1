import DBus

/// What a method of trainbelld answers, as Swift values: nothing, one value, or a few (a struct).
public protocol BusResult: Sendable {
    /// The D-Bus types of the out arguments, in order.
    static var types: [DBusType] { get }
    /// Reads a reply; `InvalidArgs` naming what did not fit.
    init(replyValues: [DBusValue]) throws(BusError)
    var replyValues: [DBusValue] { get }
}

/// A method that answers with nothing.
public struct NoResult: BusResult {
    public init() {}
    public static var types: [DBusType] { [] }
    public init(replyValues: [DBusValue]) throws(BusError) {}
    public var replyValues: [DBusValue] { [] }
}

/// A method that answers with one value.
public struct Single<Value: DBusRepresentable & Sendable>: BusResult {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    public static var types: [DBusType] { [Value.dbusType] }
    public init(replyValues: [DBusValue]) throws(BusError) {
        guard replyValues.count == 1 else { throw BusError(.invalidArgs, "expected one \(Value.dbusType.signature) in the reply, got \(replyValues.count) values") }
        value = try replyValues[0].decode(Value.self, what: "the reply")
    }
    public var replyValues: [DBusValue] { [value.dbusValue] }
}

/// One method of `org.trainbell.TrainBell1`, typed: its name, its arguments' names and Swift types
/// (the D-Bus types follow from them), its result. The daemon's interface table is built from these,
/// and its handlers get the arguments decoded; clients call through them (``TrainBellClient``), so
/// neither side reads arguments by position.
public struct BusMethod<Result: BusResult, each Argument: DBusRepresentable & Sendable>: Sendable {
    public let name: MemberName
    /// trainbelld's own interface, or a standard one its objects implement (``TrainBellObjects``).
    public let interface: InterfaceName
    public let argumentNames: [String]
    public let resultNames: [String]
    /// Callers need not wait for a reply (`org.freedesktop.DBus.Method.NoReply`).
    public let noReply: Bool
    public let documentation: String

    public init(_ name: MemberName, interface: InterfaceName = TrainBellBus.interface, arguments argumentNames: [String],
                results resultNames: [String] = [], noReply: Bool = false, documentation: String) {
        self.name = name
        self.interface = interface
        self.argumentNames = argumentNames
        self.resultNames = resultNames
        self.noReply = noReply
        self.documentation = documentation
        precondition(argumentNames.count == Self.argumentTypes.count, "\(name): a name for every argument")
        precondition(resultNames.count == Result.types.count, "\(name): a name for every result")
    }

    public static var argumentTypes: [DBusType] {
        var types: [DBusType] = []
        for type in repeat (each Argument).self { types.append(type.dbusType) }
        return types
    }

    /// The in arguments, for the interface table and introspection.
    public var inArguments: [DBus.Argument] { zip(argumentNames, Self.argumentTypes).map { DBus.Argument($0, $1) } }
    /// The out arguments.
    public var outArguments: [DBus.Argument] { zip(resultNames, Result.types).map { DBus.Argument($0, $1) } }

    /// The arguments of a call, decoded; `InvalidArgs` naming the argument that does not fit.
    public func decode(_ values: [DBusValue]) throws(BusError) -> (repeat each Argument) {
        guard values.count == argumentNames.count else {
            throw BusError(.invalidArgs, "\(name) takes \(argumentNames.count) arguments (\(argumentNames.joined(separator: ", "))), got \(values.count)")
        }
        var index = 0
        func next<T: DBusRepresentable>(_: T.Type) throws(BusError) -> T {
            defer { index += 1 }
            return try values[index].decode(T.self, what: "argument '\(argumentNames[index])'")
        }
        return (repeat try next((each Argument).self))
    }

    /// The arguments of a call read straight from its message (its signature checked already);
    /// `InvalidArgs` naming the argument that does not fit.
    public func decode(_ message: Message) throws(BusError) -> (repeat each Argument) {
        var reader = ArgumentReader(message)
        var index = 0
        func next<T: DBusRepresentable>(_: T.Type) throws(BusError) -> T {
            defer { index += 1 }
            // The name is spelled out only for an error message.
            return try reader.next(T.self, what: "argument '\(argumentNames[index])'")
        }
        return (repeat try next((each Argument).self))
    }

    /// The arguments of `call`: read from its message, unless they were read already (a call that
    /// carries descriptors is read once, so that the descriptors it made are the ones closed after it).
    func decodeArguments(of call: MethodCall) throws(BusError) -> (repeat each Argument) {
        call.arguments.isEmpty ? try decode(call.message) : try decode(call.arguments)
    }

    /// The values of a call with these arguments.
    public func encode(_ arguments: repeat each Argument) -> [DBusValue] {
        var values: [DBusValue] = []
        for argument in repeat each arguments { values.append(argument.dbusValue) }
        return values
    }
}

extension Method {
    /// The table entry of `method`: `body` gets the call and its arguments decoded (a call whose
    /// arguments do not fit is answered `InvalidArgs` before it runs).
    public init<Result, each Argument>(_ method: BusMethod<Result, repeat each Argument>,
                                       _ body: @escaping (MethodCall, repeat each Argument) throws -> Result) {
        self.init(method.name, in: method.inArguments, out: method.outArguments,
                  annotations: method.noReply ? [.noReply] : [], documentation: method.documentation) { call in
            let arguments = try method.decodeArguments(of: call)
            return try body(call, repeat each arguments).replyValues
        }
        readsItsArguments = true
    }

    /// The table entry of `method` answered later, through the `PendingReply`.
    public init<Result, each Argument>(_ method: BusMethod<Result, repeat each Argument>,
                                       deferred body: @escaping (MethodCall, PendingReply, repeat each Argument) -> Void) {
        self.init(method.name, in: method.inArguments, out: method.outArguments,
                  annotations: method.noReply ? [.noReply] : [], documentation: method.documentation,
                  deferred: { call, reply in
                      do throws(BusError) {
                          let arguments = try method.decodeArguments(of: call)
                          body(call, reply, repeat each arguments)
                      } catch {
                          reply.fail(error)
                      }
                  })
        readsItsArguments = true
    }
}

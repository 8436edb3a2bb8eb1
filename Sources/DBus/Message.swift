import CDBus

/// A D-Bus message: a method call, a method return, an error or a signal. Owns one reference to a `DBusMessage`.
public final class Message: @unchecked Sendable {
    // @unchecked Sendable: libdbus messages are reference counted atomically, and a Message is
    // only mutated (arguments appended, flags set) before it is handed to a connection.
    let raw: OpaquePointer

    /// The four kinds of message.
    public enum Kind: Sendable {
        case methodCall, methodReturn, error, signal, invalid
    }

    /// Takes over a reference the caller owns.
    init(owning raw: OpaquePointer) { self.raw = raw }

    /// Adds a reference of its own.
    init(retaining raw: OpaquePointer) {
        dbus_message_ref(raw)
        self.raw = raw
    }

    deinit { dbus_message_unref(raw) }

    /// A method call. Arguments are appended with `append`.
    public static func methodCall(destination: BusName?, path: ObjectPath, interface: InterfaceName?,
                                  member: MemberName) -> Message {
        guard let m = dbus_message_new_method_call(destination?.rawValue, path.rawValue, interface?.rawValue,
                                                    member.rawValue)
        else { fatalError("libdbus: out of memory creating a method call") }
        return Message(owning: m)
    }

    /// A signal.
    public static func signal(path: ObjectPath, interface: InterfaceName, member: MemberName) -> Message {
        guard let m = dbus_message_new_signal(path.rawValue, interface.rawValue, member.rawValue)
        else { fatalError("libdbus: out of memory creating a signal") }
        return Message(owning: m)
    }

    /// The return of `call`.
    public static func methodReturn(replyingTo call: Message) -> Message {
        guard let m = dbus_message_new_method_return(call.raw)
        else { fatalError("libdbus: out of memory creating a method return") }
        return Message(owning: m)
    }

    /// An error reply to `call`.
    public static func error(replyingTo call: Message, _ error: BusError) -> Message {
        let name = error.name.isValid ? error.name : .failed
        guard let m = dbus_message_new_error(call.raw, name.rawValue, error.message.replacingNUL())
        else { fatalError("libdbus: out of memory creating an error") }
        return Message(owning: m)
    }

    public var kind: Kind {
        switch dbus_message_get_type(raw) {
        case 1: .methodCall
        case 2: .methodReturn
        case 3: .error
        case 4: .signal
        default: .invalid
        }
    }

    // The header fields below were validated by libdbus: when it read the message (every field of a
    // message from a peer is checked against the grammar) or when they were set (its setters refuse a
    // bad name). They are taken as they are.
    public var path: ObjectPath? { dbus_message_get_path(raw).map { ObjectPath(trusted: String(cString: $0)) } }
    public var interface: InterfaceName? {
        dbus_message_get_interface(raw).map { InterfaceName(trusted: String(cString: $0)) }
    }
    public var member: MemberName? { dbus_message_get_member(raw).map { MemberName(trusted: String(cString: $0)) } }
    public var errorName: ErrorName? { dbus_message_get_error_name(raw).map { ErrorName(rawValue: String(cString: $0)) } }
    public var sender: String? { dbus_message_get_sender(raw).map { String(cString: $0) } }
    public var destination: String? { dbus_message_get_destination(raw).map { String(cString: $0) } }
    /// The signature text of the body as the message declares it.
    public var signature: String { dbus_message_get_signature(raw).map { String(cString: $0) } ?? "" }
    public var serial: UInt32 { dbus_message_get_serial(raw) }
    public var replySerial: UInt32 { dbus_message_get_reply_serial(raw) }

    /// The caller does not want a reply (`NO_REPLY_EXPECTED`).
    public var noReplyExpected: Bool {
        get { dbus_message_get_no_reply(raw) != 0 }
        set { dbus_message_set_no_reply(raw, newValue ? 1 : 0) }
    }

    /// Whether the bus may start the destination's service (D-Bus activation). On by default.
    public var autoStart: Bool {
        get { dbus_message_get_auto_start(raw) != 0 }
        set { dbus_message_set_auto_start(raw, newValue ? 1 : 0) }
    }

    /// The error carried by an error message.
    public var busError: BusError? {
        guard kind == .error, let name = errorName else { return nil }
        let text = (try? arguments().first?.stringValue) ?? nil
        return BusError(name, text ?? "")
    }

    /// "Interface.Member on /path" for log lines.
    public var summary: String {
        "\(interface?.rawValue ?? "?").\(member?.rawValue ?? "?") on \(path?.rawValue ?? "?")"
    }
}

extension String {
    /// D-Bus strings cannot carry NUL; used where a message must go out anyway (error texts).
    func replacingNUL() -> String {
        utf8.contains(0) ? String(decoding: utf8.map { $0 == 0 ? 0x3F : $0 }, as: UTF8.self) : self
    }
}

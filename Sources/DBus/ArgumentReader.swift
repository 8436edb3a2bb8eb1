import CDBus

/// Reads a message's arguments one by one, straight into Swift values: a string, a number or a
/// boolean comes from libdbus without a ``DBusValue`` made for it (what a hot method such as
/// `ReportProgress` is called with); other types are read as a ``DBusValue`` and decoded.
///
/// libdbus validated the body when it read the message; the caller has checked its signature.
public struct ArgumentReader {
    @usableFromInline var iter = DBusMessageIter()
    @usableFromInline var hasMore: Bool
    /// How many values a container argument may hold in all (``Message/maximumDecodedValues``).
    @usableFromInline var budget = Message.maximumDecodedValues

    public init(_ message: Message) {
        hasMore = dbus_message_iter_init(message.raw, &iter) != 0
    }

    /// The next argument as `T`; `InvalidArgs` naming it (`what`) when there is none or it is of another type.
    @inlinable
    public mutating func next<T: DBusRepresentable>(_: T.Type = T.self, what: @autoclosure () -> String) throws(BusError) -> T {
        guard hasMore else { throw BusError(.invalidArgs, "missing \(what())") }
        defer { hasMore = dbus_message_iter_next(&iter) != 0 }
        let code = UInt8(truncatingIfNeeded: dbus_message_iter_get_arg_type(&iter))
        // Identical types: the casts are free once specialized.
        if T.self == String.self, code == UInt8(ascii: "s") { return unsafeBitCast(Message.string(&iter), to: T.self) }
        if T.self == UInt64.self, code == UInt8(ascii: "t") { return unsafeBitCast(basic(UInt64(0)), to: T.self) }
        if T.self == Double.self, code == UInt8(ascii: "d") { return unsafeBitCast(basic(Double(0)), to: T.self) }
        if T.self == UInt32.self, code == UInt8(ascii: "u") { return unsafeBitCast(basic(UInt32(0)), to: T.self) }
        if T.self == Int32.self, code == UInt8(ascii: "i") { return unsafeBitCast(basic(Int32(0)), to: T.self) }
        if T.self == Bool.self, code == UInt8(ascii: "b") { return unsafeBitCast(basic(dbus_bool_t(0)) != 0, to: T.self) }
        return try Message.read(&iter, budget: &budget).decode(T.self, what: what())
    }

    @usableFromInline
    mutating func basic<V: BitwiseCopyable>(_ zero: V) -> V {
        var value = zero
        withUnsafeMutablePointer(to: &value) { dbus_message_iter_get_basic(&iter, UnsafeMutableRawPointer($0)) }
        return value
    }
}

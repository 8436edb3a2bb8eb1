import CDBus

/// The reply to a call whose one out argument is an array, written a slice at a time, then sent: a
/// large reply (thousands of records, tens of MiB) is built over several turns of the loop, so that
/// no turn holds the loop for long (libdbus takes ~30 µs per `a{sv}` record and ~4 ms per MiB of
/// text to marshal).
///
/// Holds libdbus iterators into the reply message, with the array container open, at addresses of
/// their own (libdbus iterators must not move while a container is open); freed in `deinit`, where
/// a reply never sent is abandoned (the caller then gets no reply from this object).
public final class ArrayReply {
    /// The type of the array's elements.
    public let elementType: DBusType
    /// Elements appended so far.
    public private(set) var count = 0

    private let call: MethodCall
    private let message: Message
    private let body: UnsafeMutablePointer<DBusMessageIter>
    private let array: UnsafeMutablePointer<DBusMessageIter>
    private var isOpen = false

    /// Opens the array of a reply to `call`; nil when libdbus cannot (no memory).
    init?(call: MethodCall, elementType: DBusType) {
        self.call = call
        self.elementType = elementType
        message = Message.methodReturn(replyingTo: call.message)
        body = .allocate(capacity: 1)
        body.initialize(to: DBusMessageIter())
        array = .allocate(capacity: 1)
        array.initialize(to: DBusMessageIter())
        dbus_message_iter_init_append(message.raw, body)
        let opened = elementType.signature.withCString {
            dbus_message_iter_open_container(body, Int32(UInt8(ascii: "a")), $0, array) != 0
        }
        guard opened else { return nil }
        isOpen = true
    }

    deinit {
        if isOpen { dbus_message_iter_abandon_container(body, array) }
        body.deinitialize(count: 1)
        body.deallocate()
        array.deinitialize(count: 1)
        array.deallocate()
    }

    /// Appends `items`; each must be of ``elementType`` and valid (as ``Message/append(_:)``
    /// checks). On an error nothing of `items` is kept … except what libdbus wrote before failing
    /// for lack of memory, after which the reply can only ``fail(_:)``.
    public func append(_ items: [DBusValue]) throws(BusError) {
        guard isOpen else { throw BusError(.failed, "the reply was sent already") }
        for item in items {
            guard item.type == elementType else {
                throw BusError(.invalidArgs, "array of '\(elementType.signature)' holds an element of type '\(item.type.signature)'")
            }
            try item.validate(depth: 1)
        }
        for item in items {
            guard Message.write(item, to: &array.pointee) else {
                throw BusError(.noMemory, "libdbus could not append a value of type '\(elementType.signature)'")
            }
            count += 1
        }
    }

    /// Closes the array and sends the reply.
    public func send() {
        guard isOpen else { return }
        isOpen = false
        guard dbus_message_iter_close_container(body, array) != 0 else {
            call.connection.reply(to: call.message, with: .failure(BusError(.noMemory, "the reply could not be built")))
            return
        }
        _ = try? call.connection.send(message)
    }

    /// Drops what was written and answers `error` instead.
    public func fail(_ error: BusError) {
        guard isOpen else { return }
        isOpen = false
        dbus_message_iter_abandon_container(body, array)
        call.connection.reply(to: call.message, with: .failure(error))
    }
}

extension PendingReply {
    /// Answers with an array built a slice at a time (see ``ArrayReply``); nil when the call was
    /// answered already, expects no reply, or libdbus has no memory (then an error is answered).
    public func arrayReply(of elementType: DBusType) -> ArrayReply? {
        guard !replied else { return nil }
        guard !call.message.noReplyExpected else {
            markReplied()
            return nil
        }
        guard let reply = ArrayReply(call: call, elementType: elementType) else {
            fail(BusError(.noMemory, "the reply could not be started"))
            return nil
        }
        markReplied()
        return reply
    }
}

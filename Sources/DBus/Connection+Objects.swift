import CDBus
import Glibc

extension Connection {
    /// Exports `object` at its path. Export objects before requesting a name, so that calls arriving
    /// during activation find them. An object manager above it announces it with `InterfacesAdded`.
    public func export(_ object: ExportedObject) {
        if let old = objects[object.path], old !== object { unexport(object.path) }
        object.connection = self
        objects[object.path] = object
        if object.managesObjects { managerPaths.insert(object.path) }
        if let manager = manager(of: object.path) {
            try? manager.emit(.objectManager, "InterfacesAdded",
                              [.objectPath(object.path), object.interfacesAndProperties])
        }
    }

    /// Removes the object at `path`; an object manager above it announces `InterfacesRemoved`.
    public func unexport(_ path: ObjectPath) {
        guard let object = objects.removeValue(forKey: path) else { return }
        managerPaths.remove(path)
        if let manager = manager(of: path) {
            try? manager.emit(.objectManager, "InterfacesRemoved",
                              [.objectPath(path), .array(.string, object.allInterfaceNames.map { .string($0.rawValue) })])
        }
        object.connection = nil
    }

    /// The object exported at `path`.
    public func exportedObject(at path: ObjectPath) -> ExportedObject? { objects[path] }

    /// The nearest object manager strictly above `path`.
    func manager(of path: ObjectPath) -> ExportedObject? {
        managerPaths.filter { path.isDescendant(of: $0) }.max { $0.rawValue.count < $1.rawValue.count }
            .flatMap { objects[$0] }
    }

    /// The names of the nodes directly below `path`, for introspection.
    func childNodes(of path: ObjectPath) -> [String] {
        Set(objects.keys.compactMap { $0.childElement(below: path) }).sorted()
    }

    /// Sends the reply (or error) to `call`, unless the caller asked for none.
    func reply(to call: Message, with result: Result<[DBusValue], BusError>) {
        guard !call.noReplyExpected else { return }
        let reply: Message
        switch result {
        case .success(let values):
            reply = Message.methodReturn(replyingTo: call)
            do {
                try reply.append(values)
            } catch {
                send(error: BusError(.failed, "the reply could not be built: \(error.message)"), to: call)
                return
            }
        case .failure(let error):
            reply = Message.error(replyingTo: call, error)
        }
        _ = try? send(reply)
    }

    private func send(error: BusError, to call: Message) {
        guard !call.noReplyExpected else { return }
        _ = try? send(Message.error(replyingTo: call, error))
    }

    /// Routes a method call: decode, check the signature, run the handler, reply.
    func dispatchMethodCall(_ message: Message) -> Bool {
        // A call to where the last one went (a trainer reporting every step): no name is read into a
        // String nor looked up, and its signature is the method's.
        if let hot = hotMethod, let (table, method) = hot.matches(message, host: objectHost ?? self), !message.containsUnixFDs {
            return run(method, of: table, MethodCall(message: message, arguments: [], connection: self), signatureChecked: true)
        }
        guard let path = message.path, let member = message.member else { return false }
        let object = (objectHost ?? self).objects[path]
        if object == nil, let fallbackHandler, fallbackHandler(message) { return true }
        let interface = message.interface
        // A method that reads its own arguments (the typed ones of trainbelld) is dispatched without a
        // DBusValue made for each: the hot path. A call carrying descriptors takes the path below,
        // which closes them.
        if let object, !message.containsUnixFDs, !Self.isStandard(interface, member),
           case .found(let table, let method)? = Self.lookUp(member, interface, in: object), method.readsItsArguments {
            if let interface { hotMethod = HotMethod(path: path, interface: interface, member: member, object: object, table: table, method: method) }
            return run(method, of: table, MethodCall(message: message, arguments: [], connection: self))
        }
        let arguments: [DBusValue]
        do {
            arguments = try message.arguments()
        } catch {
            send(error: BusError(.invalidArgs, "the arguments could not be read: \(error.message)"), to: message)
            return true
        }
        let call = MethodCall(message: message, arguments: arguments, connection: self)
        // Descriptors that came with the call are closed once it is answered; a deferred handler that
        // wants one must dup it. Without this, any peer could exhaust our descriptors.
        var keepDescriptors = false
        defer { if message.containsUnixFDs && !keepDescriptors { DBusValue.closeDescriptors(in: arguments) } }

        // Peer and Introspectable answer on every path that exists, including intermediate nodes.
        if interface == .peer || (interface == nil && (member == "Ping" || member == "GetMachineId")) {
            if member == "Ping" || member == "GetMachineId" {
                return answerPeer(call, member: member)
            }
        }
        if interface == .introspectable || (interface == nil && member == "Introspect") {
            guard member == "Introspect" else { return unknownMethod(call, interface, member) }
            let nodes = (objectHost ?? self).childNodes(of: path)
            guard object != nil || !nodes.isEmpty || path == .root else {
                return unknownObject(call)
            }
            return answer(call, expecting: "") { [.string((self.objectHost ?? self).introspectionXML(at: path))] }
        }
        guard let object else { return unknownObject(call) }

        if interface == .properties {
            return answerProperties(call, object: object, member: member)
        }
        if interface == .objectManager && object.managesObjects {
            guard member == "GetManagedObjects" else { return unknownMethod(call, interface, member) }
            return answer(call, expecting: "") { [(self.objectHost ?? self).managedObjects(of: object)] }
        }

        switch Self.lookUp(member, interface, in: object) {
        case .found(let table, let method):
            keepDescriptors = method.inSignature.contains("h")
            return run(method, of: table, call)
        case .noSuchInterface:
            send(error: BusError(.unknownInterface, "object \(path) has no interface '\(interface?.rawValue ?? "")'"), to: message)
            return true
        case nil:
            return unknownMethod(call, interface, member)
        }
    }

    /// The interfaces every object answers here (``dispatchMethodCall(_:)`` answers them itself).
    private static func isStandard(_ interface: InterfaceName?, _ member: MemberName) -> Bool {
        guard let interface else { return member == "Ping" || member == "GetMachineId" || member == "Introspect" }
        return interface == .peer || interface == .introspectable || interface == .properties || interface == .objectManager
    }

    private enum LookUp {
        case found(Interface, Method)
        case noSuchInterface
    }

    /// The first interface (of the one named, when a name is given) that has the method.
    private static func lookUp(_ member: MemberName, _ interface: InterfaceName?, in object: ExportedObject) -> LookUp? {
        var interfaceSeen = interface == nil
        for table in object.interfaces where interface == nil || table.name == interface {
            interfaceSeen = true
            if let method = table.method(member) { return .found(table, method) }
        }
        return interfaceSeen ? nil : .noSuchInterface
    }

    /// Checks the call's signature (unless `signatureChecked`), runs the handler, replies.
    private func run(_ method: Method, of table: Interface, _ call: MethodCall, signatureChecked: Bool = false) -> Bool {
        let message = call.message
        let member = method.name
        guard signatureChecked || message.signature == method.inSignature else {
            send(error: BusError(.invalidArgs,
                                 "\(table.name).\(member) expects arguments of signature '\(method.inSignature)', got '\(message.signature)'"),
                 to: message)
            return true
        }
        switch method.handler {
        case .immediate(let body):
            do {
                let values = try body(call)
                reply(to: message, with: .success(values))
            } catch let error as BusError {
                reply(to: message, with: .failure(error))
            } catch {
                reply(to: message, with: .failure(BusError(.failed, "\(error)")))
            }
        case .deferred(let body):
            body(call, PendingReply(call: call))
        }
        return true
    }

    private func answer(_ call: MethodCall, expecting signature: String, _ body: () throws -> [DBusValue]) -> Bool {
        guard call.message.signature == signature else {
            send(error: BusError(.invalidArgs, "\(call.message.interface?.rawValue ?? "").\(call.message.member?.rawValue ?? "") expects arguments of signature '\(signature)', got '\(call.message.signature)'"), to: call.message)
            return true
        }
        do {
            reply(to: call.message, with: .success(try body()))
        } catch let error as BusError {
            reply(to: call.message, with: .failure(error))
        } catch {
            reply(to: call.message, with: .failure(BusError(.failed, "\(error)")))
        }
        return true
    }

    private func unknownObject(_ call: MethodCall) -> Bool {
        send(error: BusError(.unknownObject, "no object at path \(call.path)"), to: call.message)
        return true
    }

    private func unknownMethod(_ call: MethodCall, _ interface: InterfaceName?, _ member: MemberName) -> Bool {
        let where_ = interface.map { "interface '\($0)'" } ?? "any interface"
        send(error: BusError(.unknownMethod, "no method '\(member)' in \(where_) at \(call.path) with signature '\(call.message.signature)'"), to: call.message)
        return true
    }

    private func answerPeer(_ call: MethodCall, member: MemberName) -> Bool {
        if member == "Ping" { return answer(call, expecting: "") { [] } }
        return answer(call, expecting: "") {
            var error = DBusError()
            dbus_error_init(&error)
            guard let id = dbus_try_get_local_machine_id(&error) else {
                throw BusError.take(&error, fallback: "no machine id")
            }
            defer { dbus_free(id) }
            return [.string(String(cString: id))]
        }
    }

    private func answerProperties(_ call: MethodCall, object: ExportedObject, member: MemberName) -> Bool {
        func table(_ index: Int) throws(BusError) -> Interface {
            let name = try call.argument(index, as: String.self)
            guard let table = object.interfaces.first(where: { $0.name.rawValue == name }) else {
                throw BusError(.unknownInterface, "object \(object.path) has no interface '\(name)' with properties")
            }
            return table
        }
        func property(_ table: Interface, _ index: Int) throws(BusError) -> Property {
            let name = try call.argument(index, as: String.self)
            guard let property = table.properties.first(where: { $0.name.rawValue == name }) else {
                throw BusError(.unknownProperty, "interface '\(table.name)' has no property '\(name)'")
            }
            return property
        }
        switch member.rawValue {
        case "Get":
            return answer(call, expecting: "ss") {
                let p = try property(try table(0), 1)
                guard p.access != .write else { throw BusError(.accessDenied, "property '\(p.name)' is write-only") }
                return [.variant(p.get())]
            }
        case "GetAll":
            return answer(call, expecting: "s") {
                let name = try call.argument(0, as: String.self)
                // An empty or unknown interface name with no properties answers an empty map, as GDBus does for "".
                guard let t = object.interfaces.first(where: { $0.name.rawValue == name }) else {
                    if name.isEmpty || [InterfaceName.peer, .introspectable, .properties, .objectManager].map(\.rawValue).contains(name) {
                        return [.dictionary(key: .string, value: .variant, [])]
                    }
                    throw BusError(.unknownInterface, "object \(object.path) has no interface '\(name)'")
                }
                return [object.propertyValues(of: t)]
            }
        case "Set":
            return answer(call, expecting: "ssv") {
                let t = try table(0)
                let p = try property(t, 1)
                guard let setter = p.set, p.access != .read else {
                    throw BusError(.propertyReadOnly, "property '\(p.name)' of '\(t.name)' is read-only")
                }
                let value = call.arguments[2].unwrapped
                guard value.type == p.type else {
                    throw BusError(.invalidArgs, "property '\(p.name)' has type '\(p.type.signature)', got a value of type '\(value.type.signature)'")
                }
                try setter(value, call)
                object.emitPropertiesChanged(t.name, [p.name])
                return []
            }
        default:
            return unknownMethod(call, .properties, member)
        }
    }

    /// `a{oa{sa{sv}}}` of every object below `manager`.
    func managedObjects(of manager: ExportedObject) -> DBusValue {
        let below = objects.values.filter { $0.path.isDescendant(of: manager.path) }.sorted { $0.path < $1.path }
        return .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)),
                           below.map { DictEntry(.objectPath($0.path), $0.interfacesAndProperties) })
    }
}

/// The method a call on the hot path of `dispatchMethodCall` reached, by the path, interface and
/// member it named and the method's signature, kept as the bytes libdbus holds: a call that names
/// the same (compared as C strings) goes to the same method. It stands while its object is still
/// the one exported at that path (an object's interfaces never change).
final class HotMethod {
    private let path: [CChar]
    private let interface: [CChar]
    private let member: [CChar]
    private let signature: [CChar]
    private weak var object: ExportedObject?
    private let table: Interface
    private let method: Method

    init(path: ObjectPath, interface: InterfaceName, member: MemberName, object: ExportedObject, table: Interface, method: Method) {
        self.path = Array(path.rawValue.utf8CString)
        self.interface = Array(interface.rawValue.utf8CString)
        self.member = Array(member.rawValue.utf8CString)
        self.signature = Array(method.inSignature.utf8CString)
        self.object = object
        self.table = table
        self.method = method
    }

    /// The interface and method of `message`, when it names this one's path, interface, member and
    /// signature and the object is still exported on `host`.
    func matches(_ message: Message, host: Connection) -> (Interface, Method)? {
        guard let object, object.connection === host,
              let member = dbus_message_get_member(message.raw), Self.same(self.member, member),
              let signature = dbus_message_get_signature(message.raw), Self.same(self.signature, signature),
              let interface = dbus_message_get_interface(message.raw), Self.same(self.interface, interface),
              let path = dbus_message_get_path(message.raw), Self.same(self.path, path)
        else { return nil }
        return (table, method)
    }

    private static func same(_ stored: [CChar], _ text: UnsafePointer<CChar>) -> Bool {
        stored.withUnsafeBufferPointer { strcmp($0.baseAddress!, text) == 0 }
    }
}

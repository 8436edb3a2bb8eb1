import CDBus

extension Connection {
    /// What a peer's method call gets before dispatch: the calls to `org.freedesktop.DBus` a bus
    /// client makes as it connects are answered here (the server stands in for a bus with one name);
    /// a call outside the served objects is refused. Nil: dispatch it to the host's objects.
    func answerAsPeerBus(_ message: Message, policy: PeerPolicy) -> Bool? {
        guard let member = message.member else { return true }
        let path = message.path ?? .root
        if message.interface == .bus || (message.destination == "org.freedesktop.DBus" && message.interface == nil) {
            answerBusDriver(message, member: member.rawValue, policy: policy)
            return true
        }
        // Peer.Ping answers on any path (clients ping before anything else).
        if message.interface == .peer || (message.interface == nil && member.rawValue == "Ping") {
            if member.rawValue == "Ping" || member.rawValue == "GetMachineId" { return nil }
        }
        guard policy.serves(path) else {
            refuse(message, "\(message.summary): this socket serves only \(policy.busName) at \(policy.servedPath) and below")
            return true
        }
        return nil
    }

    private func answerBusDriver(_ message: Message, member: String, policy: PeerPolicy) {
        func answer(_ values: [DBusValue]) {
            reply(to: message, with: .success(values))
        }
        func firstString() -> String? { try? message.arguments().first?.stringValue }
        func isServedName(_ name: String?) -> Bool { name == policy.busName || name == policy.ownerName }
        switch (member, message.signature) {
        case ("Hello", ""):
            answer([.string(uniqueName)])
        case ("AddMatch", "s"), ("RemoveMatch", "s"):
            // Every signal of the served objects is sent to every peer: a peer filters what it wants.
            answer([])
        case ("GetNameOwner", "s"):
            if isServedName(firstString()) {
                answer([.string(policy.ownerName)])
            } else {
                reply(to: message, with: .failure(BusError(.nameHasNoOwner,
                    "only \(policy.busName) is on this socket (asked for '\(firstString() ?? "")')")))
            }
        case ("NameHasOwner", "s"):
            answer([.boolean(isServedName(firstString()))])
        case ("StartServiceByName", "su"):
            if isServedName(firstString()) {
                answer([.uint32(2)])  // DBUS_START_REPLY_ALREADY_RUNNING
            } else {
                reply(to: message, with: .failure(BusError(.serviceUnknown,
                    "only \(policy.busName) is on this socket (asked to start '\(firstString() ?? "")')")))
            }
        case ("GetId", ""):
            var error = DBusError()
            dbus_error_init(&error)
            if let id = dbus_try_get_local_machine_id(&error) {
                defer { dbus_free(id) }
                answer([.string(String(cString: id))])
            } else {
                reply(to: message, with: .failure(BusError.take(&error, fallback: "no machine id")))
            }
        default:
            refuse(message, "org.freedesktop.DBus.\(member) is not available: this socket serves only \(policy.busName), not a bus")
        }
    }

    private func refuse(_ message: Message, _ text: String) {
        reply(to: message, with: .failure(BusError(.accessDenied, text)))
    }
}

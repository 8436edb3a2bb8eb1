import CDBus

extension Connection {
    /// Subscribes to signals matching `rule`: adds the rule on the bus and calls `handler` on the loop
    /// for each matching signal. A well-known `sender` is followed to its current owner.
    ///
    /// The rule is added without waiting for the bus (its fields are validated types, so the bus has
    /// no reason to refuse it): a daemon subscribing to a dozen signals at start does not pay a dozen
    /// round trips. The bus handles a connection's messages in order, so a call made after
    /// `subscribe` sees the rule in place.
    @discardableResult
    public func subscribe(_ rule: MatchRule, _ handler: @escaping (Message) -> Void) throws(BusError) -> SignalSubscription {
        guard isConnected else { throw BusError(.disconnected, "cannot subscribe to \(rule.text): not connected") }
        dbus_bus_add_match(raw, rule.text, nil)
        let subscription = SignalSubscription(id: nextSubscriptionID, rule: rule, handler: handler)
        nextSubscriptionID += 1
        subscription.connection = self
        subscriptions[subscription.id] = subscription
        if let sender = rule.sender, let name = BusName(rawValue: sender), !name.isUnique,
           sender != "org.freedesktop.DBus" {
            subscription.ownerWatch = try watchNameOwner(name) { [weak subscription] owner in
                subscription?.senderOwner = owner
            }
        }
        return subscription
    }

    func removeSubscription(_ subscription: SignalSubscription) {
        guard subscriptions.removeValue(forKey: subscription.id) != nil else { return }
        if isConnected { dbus_bus_remove_match(raw, subscription.rule.text, nil) }
    }

    func deliverSignal(_ message: Message) {
        // Copy first: a handler may subscribe or cancel.
        let matching = subscriptions.keys.sorted().compactMap { subscriptions[$0] }.filter { $0.accepts(message) }
        for subscription in matching where subscriptions[subscription.id] != nil {
            subscription.handler(message)
        }
    }

    /// Follows who owns `name`: `handler` gets the current owner's unique name (nil when none) once the
    /// answer to `GetNameOwner` arrives, then on every `NameOwnerChanged`. Needs an attached loop.
    @discardableResult
    public func watchNameOwner(_ name: BusName, _ handler: @escaping (String?) -> Void) throws(BusError) -> SignalSubscription {
        var answered = false
        let rule = MatchRule(sender: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: .bus,
                             member: "NameOwnerChanged", arg0: name.rawValue)
        let subscription = try subscribe(rule) { message in
            guard let args = try? message.arguments(), args.count == 3, let new = args[2].stringValue else { return }
            answered = true
            handler(new.isEmpty ? nil : new)
        }
        callAsync(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: .bus,
                  member: "GetNameOwner", [.string(name.rawValue)]) { result in
            guard !answered, subscription.connection != nil else { return }
            switch result {
            case .success(let values): handler(values.first?.stringValue)
            case .failure: handler(nil)
            }
        }
        return subscription
    }
}

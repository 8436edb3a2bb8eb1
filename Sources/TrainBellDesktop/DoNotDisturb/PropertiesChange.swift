import DBus

/// One `org.freedesktop.DBus.Properties.PropertiesChanged` signal, decoded: the interface, the new
/// values it carries, and the names it only invalidates (sd-bus, as mako uses, sends those).
struct PropertiesChange: Equatable {
    static let member: MemberName = "PropertiesChanged"

    let interface: String
    /// New values, without their variant wrapper.
    let changed: [String: DBusValue]
    let invalidated: Set<String>

    /// Nil when the message is not a `PropertiesChanged` of signature `sa{sv}as`.
    init?(_ message: Message) {
        guard message.interface == .properties, message.member == Self.member,
              let values = try? message.arguments(), values.count == 3,
              let interface = values[0].stringValue, let entries = values[1].stringKeyedEntries,
              let invalidated = values[2].arrayItems
        else { return nil }
        self.interface = interface
        self.changed = entries.mapValues(\.unwrapped)
        self.invalidated = Set(invalidated.compactMap(\.stringValue))
    }

    /// Whether `property` changed, with a value or without.
    func mentions(_ property: String) -> Bool {
        changed[property] != nil || invalidated.contains(property)
    }

    /// The rule for the `PropertiesChanged` of `interface` at `path`, sent by `sender`.
    static func rule(sender: BusName, path: ObjectPath, interface: InterfaceName) -> MatchRule {
        MatchRule(sender: sender.rawValue, path: path, interface: .properties, member: member, arg0: interface.rawValue)
    }
}

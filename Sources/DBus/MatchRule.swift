/// A match rule for signals (D-Bus spec, "Match Rules"). Unset fields match anything.
public struct MatchRule: Sendable, Hashable {
    /// A unique name, or a well-known name whose current owner is tracked.
    public var sender: String?
    public var path: ObjectPath?
    public var pathNamespace: ObjectPath?
    public var interface: InterfaceName?
    public var member: MemberName?
    /// `arg0` must be this string.
    public var arg0: String?

    public init(sender: String? = nil, path: ObjectPath? = nil, pathNamespace: ObjectPath? = nil,
                interface: InterfaceName? = nil, member: MemberName? = nil, arg0: String? = nil) {
        self.sender = sender
        self.path = path
        self.pathNamespace = pathNamespace
        self.interface = interface
        self.member = member
        self.arg0 = arg0
    }

    /// The rule text for `AddMatch`, values quoted as the spec says (`'` becomes `'\''`).
    public var text: String {
        var parts = ["type='signal'"]
        func add(_ key: String, _ value: String?) {
            guard let value else { return }
            parts.append("\(key)='\(value.replacing("'", with: "'\\''"))'")
        }
        add("sender", sender)
        add("path", path?.rawValue)
        add("path_namespace", pathNamespace?.rawValue)
        add("interface", interface?.rawValue)
        add("member", member?.rawValue)
        add("arg0", arg0)
        return parts.joined(separator: ",")
    }

    /// Whether `message` matches every field but the sender (checked by the subscription).
    func matchesIgnoringSender(_ message: Message) -> Bool {
        if let path, message.path != path { return false }
        if let pathNamespace, let p = message.path, p != pathNamespace, !p.isDescendant(of: pathNamespace) { return false }
        if let interface, message.interface != interface { return false }
        if let member, message.member != member { return false }
        if let arg0 {
            guard message.firstStringArgument == arg0 else { return false }
        }
        return true
    }
}

/// A live signal subscription; `cancel` removes the match rule and the handler.
public final class SignalSubscription {
    let id: UInt64
    let rule: MatchRule
    let handler: (Message) -> Void
    weak var connection: Connection?
    /// The unique name that owns `rule.sender` when that is a well-known name.
    var senderOwner: String?
    var ownerWatch: SignalSubscription?

    init(id: UInt64, rule: MatchRule, handler: @escaping (Message) -> Void) {
        self.id = id
        self.rule = rule
        self.handler = handler
    }

    func accepts(_ message: Message) -> Bool {
        if let sender = rule.sender {
            if BusName(rawValue: sender)?.isUnique ?? true || sender == "org.freedesktop.DBus" {
                if message.sender != sender && !(sender == "org.freedesktop.DBus" && message.sender == sender) {
                    return false
                }
            } else if message.sender == nil || message.sender != senderOwner {
                return false
            }
        }
        return rule.matchesIgnoringSender(message)
    }

    public func cancel() {
        guard let connection else { return }
        connection.removeSubscription(self)
        self.connection = nil
        ownerWatch?.cancel()
        ownerWatch = nil
    }
}

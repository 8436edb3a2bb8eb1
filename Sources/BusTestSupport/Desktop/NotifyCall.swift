import DBus

/// One `org.freedesktop.Notifications.Notify` call as a notification server received it, with the id it
/// answered (nil while unanswered, or when the call failed).
public struct NotifyCall: Sendable, Equatable {
    public var appName: String
    public var replacesID: UInt32
    public var icon: String
    public var summary: String
    public var body: String
    /// Flat, as on the wire: key, label, key, label…
    public var actions: [String]
    /// Hint values without their variant wrapper: `hints["urgency"] == .byte(2)`.
    public var hints: [String: DBusValue]
    public var expireTimeout: Int32
    public var returnedID: UInt32?
    /// The caller's unique name (`:1.7`).
    public var sender: String

    public init(appName: String, replacesID: UInt32, icon: String, summary: String, body: String,
                actions: [String], hints: [String: DBusValue], expireTimeout: Int32,
                returnedID: UInt32?, sender: String) {
        self.appName = appName
        self.replacesID = replacesID
        self.icon = icon
        self.summary = summary
        self.body = body
        self.actions = actions
        self.hints = hints
        self.expireTimeout = expireTimeout
        self.returnedID = returnedID
        self.sender = sender
    }

    /// Decodes the arguments of a `Notify` call (`susssasa{sv}i`); nil when they have another shape.
    public init?(arguments: [DBusValue], sender: String, returnedID: UInt32? = nil) {
        guard arguments.count == 8,
              case .string(let appName) = arguments[0],
              case .uint32(let replacesID) = arguments[1],
              case .string(let icon) = arguments[2],
              case .string(let summary) = arguments[3],
              case .string(let body) = arguments[4],
              let actions = [String](dbusValue: arguments[5]),
              case .dictionary(.string, .variant, let entries) = arguments[6],
              case .int32(let expireTimeout) = arguments[7]
        else { return nil }
        var hints: [String: DBusValue] = [:]
        for entry in entries {
            guard case .string(let key) = entry.key else { continue }
            if case .variant(let inner) = entry.value { hints[key] = inner } else { hints[key] = entry.value }
        }
        self.init(appName: appName, replacesID: replacesID, icon: icon, summary: summary, body: body,
                  actions: actions, hints: hints, expireTimeout: expireTimeout, returnedID: returnedID,
                  sender: sender)
    }

    /// The `urgency` hint as the byte servers read (lenient: `y`, `u` or `i` on the wire), nil when absent.
    public var urgency: UInt8? {
        guard let value = hints["urgency"]?.integerValue, (0...255).contains(value) else { return nil }
        return UInt8(value)
    }

    /// The action keys (every other element of `actions`).
    public var actionKeys: [String] {
        stride(from: 0, to: actions.count - 1, by: 2).map { actions[$0] }
    }
}

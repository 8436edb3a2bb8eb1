/// A hint value of the kinds trainbell sends (`y`, `b`, `i`, `s`, and `(iiibiiay)` for
/// `image-data` on the wire).
public enum HintValue: Hashable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int32(Int32)
    case string(String)
    case image(NotificationImage)
    /// A caller's hint that trainbell only passes on (`Send`'s `hints`: int64 `sender-pid`, doubles,
    /// variants…), kept as the bus adapter's own value.
    case passthrough(PassthroughHint)
}

/// A hint value of any wire type, opaque to the core: compared and hashed, never looked into.
public struct PassthroughHint: Hashable, Sendable {
    public let value: any Hashable & Sendable
    public init(_ value: any Hashable & Sendable) { self.value = value }
    public static func == (a: Self, b: Self) -> Bool { AnyHashable(a.value) == AnyHashable(b.value) }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(value)) }
}

/// One `org.freedesktop.Notifications.Notify` call, decided but not yet sent: the arguments exactly as
/// the server will receive them.
public struct NotificationRequest: Hashable, Sendable {
    public var appName: String
    public var replacesID: UInt32
    public var icon: String
    public var summary: String
    public var body: String
    /// Flat `key, label, key, label…` as the spec's `as actions`.
    public var actions: [String]
    /// In a stable order, so tests and logs read the same every time.
    public var hints: [(name: String, value: HintValue)]
    /// Milliseconds; -1 = the server's default, 0 = never.
    public var expireTimeout: Int32

    public init(appName: String, replacesID: UInt32 = 0, icon: String = "", summary: String, body: String = "",
                actions: [String] = [], hints: [(name: String, value: HintValue)] = [], expireTimeout: Int32 = -1) {
        self.appName = appName
        self.replacesID = replacesID
        self.icon = icon
        self.summary = summary
        self.body = body
        self.actions = actions
        self.hints = hints
        self.expireTimeout = expireTimeout
    }

    public func hint(_ name: String) -> HintValue? { hints.first { $0.name == name }?.value }

    public static func == (a: NotificationRequest, b: NotificationRequest) -> Bool {
        a.appName == b.appName && a.replacesID == b.replacesID && a.icon == b.icon && a.summary == b.summary
            && a.body == b.body && a.actions == b.actions && a.expireTimeout == b.expireTimeout
            && a.hints.map(\.name) == b.hints.map(\.name) && a.hints.map(\.value) == b.hints.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(summary)
        hasher.combine(body)
        hasher.combine(replacesID)
    }
}

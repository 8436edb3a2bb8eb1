import DBus

/// One notification of dunst's history, as `NotificationListHistory` describes it (dunst 1.9).
public struct DunstHistoryEntry: Sendable, Equatable {
    public var id: UInt32
    public var appName: String
    public var summary: String
    public var body: String
    /// The text dunst rendered with its `format` (`"%s %b"` in the harness).
    public var message: String
    public var category: String
    public var defaultActionName: String
    public var iconPath: String
    /// The `value` hint, -1 when there was none.
    public var progress: Int32
    /// dunst's monotonic time of arrival, µs.
    public var timestamp: Int64
    /// The timeout dunst applied, µs (0 = never).
    public var timeout: Int64

    /// Decodes one `a{sv}` entry; nil when a field is missing or of another type.
    public init?(_ entries: [String: DBusValue]) {
        func string(_ key: String) -> String? { entries[key]?.stringValue }
        func integer(_ key: String) -> Int64? { entries[key]?.integerValue }
        guard let id = integer("id"), let appName = string("appname"), let summary = string("summary"),
              let body = string("body"), let message = string("message"), let category = string("category"),
              let defaultActionName = string("default_action_name"), let iconPath = string("icon_path"),
              let progress = integer("progress"), let timestamp = integer("timestamp"), let timeout = integer("timeout"),
              let id32 = UInt32(exactly: id), let progress32 = Int32(exactly: progress)
        else { return nil }
        self.id = id32
        self.appName = appName
        self.summary = summary
        self.body = body
        self.message = message
        self.category = category
        self.defaultActionName = defaultActionName
        self.iconPath = iconPath
        self.progress = progress32
        self.timestamp = timestamp
        self.timeout = timeout
    }
}

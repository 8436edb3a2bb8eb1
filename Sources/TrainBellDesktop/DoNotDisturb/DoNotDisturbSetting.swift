/// Where a desktop keeps its Do Not Disturb switch in GSettings (DESIGN.md sections 5 and 9): a
/// boolean key, the value that means "do not disturb", and what the desktop's notification server
/// does with urgent notifications meanwhile.
public struct DoNotDisturbSetting: Hashable, Sendable {
    /// The `source` reported by `GetDoNotDisturb`.
    public var name: String
    public var schema: String
    public var key: String
    /// The key's value while Do Not Disturb is on.
    public var activeValue: Bool
    /// The server holds even urgent notifications while Do Not Disturb is on.
    public var holdsUrgentNotifications: Bool

    public init(name: String, schema: String, key: String, activeValue: Bool, holdsUrgentNotifications: Bool) {
        self.name = name
        self.schema = schema
        self.key = key
        self.activeValue = activeValue
        self.holdsUrgentNotifications = holdsUrgentNotifications
    }

    /// GNOME Shell: banners off is Do Not Disturb; urgent notifications still show.
    public static let gnome = DoNotDisturbSetting(
        name: "gnome", schema: "org.gnome.desktop.notifications", key: "show-banners",
        activeValue: false, holdsUrgentNotifications: false)

    /// Cinnamon: notifications not displayed is Do Not Disturb; urgent ones wait too.
    public static let cinnamon = DoNotDisturbSetting(
        name: "cinnamon", schema: "org.cinnamon.desktop.notifications", key: "display-notifications",
        activeValue: false, holdsUrgentNotifications: true)

    /// MATE's notification daemon: its own switch; urgent notifications wait too.
    public static let mate = DoNotDisturbSetting(
        name: "mate", schema: "org.mate.NotificationDaemon", key: "do-not-disturb",
        activeValue: true, holdsUrgentNotifications: true)
}

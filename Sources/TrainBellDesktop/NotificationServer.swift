import TrainBellCore

/// The notification server on the bus, as `GetServerInformation` and `GetCapabilities` describe it.
public struct NotificationServer: Hashable, Sendable {
    public var uniqueName: String
    public var name: String
    public var vendor: String
    public var version: String
    public var specVersion: String
    public var capabilities: Set<String>

    public init(uniqueName: String, name: String, vendor: String, version: String, specVersion: String,
                capabilities: Set<String>) {
        self.uniqueName = uniqueName
        self.name = name
        self.vendor = vendor
        self.version = version
        self.specVersion = specVersion
        self.capabilities = capabilities
    }

    public var hasBodyMarkup: Bool { capabilities.contains("body-markup") }
    public var hasActions: Bool { capabilities.contains("actions") }
    /// The server plays `sound-name` / `sound-file` itself (GNOME Shell, xfce4-notifyd ≥ 0.7).
    public var playsSound: Bool { capabilities.contains("sound") }
}

extension NotificationServer {
    /// What this server cannot take (`NotificationServerQuirks`), by its name.
    public var quirks: NotificationServerQuirks { NotificationServerQuirks(serverName: name) }
}

import Logging

/// Do Not Disturb of GNOME, Cinnamon or MATE, read from the desktop's GSettings key and watched
/// through its `changed::` signal on the main loop (no polling).
///
/// Create and start it on the thread that runs the daemon's main loop. A schema or key that is not
/// installed reads as unknown (nil) and is logged once, at debug level.
public final class GSettingsDoNotDisturb: DoNotDisturbSource {
    public let setting: DoNotDisturbSetting
    public private(set) var isActive: Bool?
    private let log: Logger
    private var key: GSettingsKey?
    private var onChange: (() -> Void)?
    private var hasLoggedFailure = false

    public init(_ setting: DoNotDisturbSetting, log: Logger) {
        self.setting = setting
        self.log = log
    }

    /// Whether the desktop's schema is installed with its boolean key (without opening the backend).
    public static func isAvailable(_ setting: DoNotDisturbSetting) -> Bool {
        GSettingsKey.isInstalled(schema: setting.schema, key: setting.key)
    }

    public var name: String { setting.name }
    public var holdsUrgentNotifications: Bool? { setting.holdsUrgentNotifications }

    public func start(onChange: @escaping () -> Void) {
        stop()
        guard let key = GSettingsKey.lookup(schema: setting.schema, key: setting.key) else {
            if !hasLoggedFailure {
                hasLoggedFailure = true
                log.debug("Do Not Disturb source \(setting.name) unavailable: GSettings schema \(setting.schema) with boolean key \(setting.key) is not installed")
            }
            return
        }
        self.key = key
        self.onChange = onChange
        // Connect before the first read: GSettings reports only keys read with a handler connected.
        key.watch { [unowned self] in self.refresh() }
        isActive = key.value == setting.activeValue
    }

    /// Reads the key again and calls `onChange` when the state changed.
    public func refresh() {
        guard let key else { return }
        let active = key.value == setting.activeValue
        guard active != isActive else { return }
        isActive = active
        onChange?()
    }

    public func stop() {
        key = nil
        onChange = nil
        isActive = nil
    }
}

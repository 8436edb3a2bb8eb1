/// A change of one app's launcher icon, decided by ``LauncherBoard``: what
/// the daemon hands to that app's ``LauncherCoalescer`` and then emits.
public enum LauncherUpdate: Sendable, Hashable {
    /// The app's icon now shows `properties`.
    case show(appID: String, properties: LauncherEntryProperties)
    /// The app's last job (or `SetProgress` state) is gone: send
    /// ``LauncherEntryProperties/cleared`` explicitly, then forget the app.
    case clear(appID: String)

    /// The desktop entry id (without `.desktop`) of the app.
    public var appID: String {
        switch self {
        case .show(let appID, _), .clear(let appID): appID
        }
    }

    /// The properties to send: ``LauncherEntryProperties/cleared`` for a clear.
    public var properties: LauncherEntryProperties {
        switch self {
        case .show(_, let properties): properties
        case .clear: .cleared
        }
    }
}

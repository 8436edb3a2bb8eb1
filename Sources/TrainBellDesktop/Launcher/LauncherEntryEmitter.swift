import DBus
import Logging
import TrainBellCore

/// Progress on the dock or task bar through the Unity LauncherEntry API (DESIGN.md sections 6, 9):
/// `com.canonical.Unity.LauncherEntry.Update(s app_uri, a{sv} props)` signals from one object per app
/// at `/com/canonical/unity/launcherentry/<number>`, which also answers `Query()`.
///
/// Consumers (KDE Plasma's task manager, Dash to Dock / Ubuntu Dock, Plank) own `com.canonical.Unity`:
/// signals go out only while that name has an owner, and a new owner gets the full state at once.
public final class LauncherEntryEmitter {
    public static let interface: InterfaceName = "com.canonical.Unity.LauncherEntry"
    public static let consumerName: BusName = "com.canonical.Unity"
    static let root: ObjectPath = "/com/canonical/unity/launcherentry"

    let connection: Connection
    let log: Logger
    /// The last properties of each app, in the order apps appeared.
    private var state: [String: [(String, DBusValue)]] = [:]
    private var order: [String] = []
    private var objects: [String: ExportedObject] = [:]
    private var nextNumber = 1
    private var consumer: String?
    private var watch: SignalSubscription?
    /// Called with every signal actually emitted (for `status` and tests).
    public var onEmit: ((String, [(String, DBusValue)]) -> Void)?

    public init(connection: Connection, log: Logger) {
        self.connection = connection
        self.log = log
    }

    /// Starts following the consumer name.
    public func start() {
        do {
            watch = try connection.watchNameOwner(Self.consumerName) { [weak self] owner in
                guard let self else { return }
                let appeared = owner != nil && owner != self.consumer
                self.consumer = owner
                if appeared {
                    self.log.debug("launcher: a dock owns \(Self.consumerName); sending the state of \(self.order.count) apps")
                    for app in self.order { self.emit(app) }
                }
            }
        } catch {
            log.debug("launcher: cannot follow \(Self.consumerName): \(error)")
        }
    }

    public func stop() {
        watch?.cancel()
        watch = nil
    }

    /// Whether a dock is there to draw it.
    public var hasConsumer: Bool { consumer != nil }

    /// `application://<app-id>.desktop`.
    public static func appURI(_ appID: String) -> String {
        "application://" + AppID.desktopFileName(appID)
    }

    /// Sets the properties of `appID` and emits them when a dock listens. An app whose entry is
    /// cleared (nothing visible, not urgent) is forgotten after that signal, so apps that come and go
    /// (`SetProgress` takes any id) leave nothing behind.
    public func update(_ appID: String, _ properties: [(String, DBusValue)]) {
        if state[appID] == nil {
            order.append(appID)
            exportObject(for: appID)
        }
        state[appID] = properties
        emit(appID)
        let shows = properties.contains { ["progress-visible", "count-visible", "urgent"].contains($0.0) && $0.1 == .boolean(true) }
        if !shows { forget(appID) }
    }

    private func forget(_ appID: String) {
        state.removeValue(forKey: appID)
        order.removeAll { $0 == appID }
        if let object = objects.removeValue(forKey: appID) { connection.unexport(object.path) }
    }

    /// The properties last set for `appID`.
    public func properties(of appID: String) -> [(String, DBusValue)]? { state[appID] }

    public var apps: [String] { order }

    private func emit(_ appID: String) {
        guard consumer != nil, let properties = state[appID], let object = objects[appID] else { return }
        do {
            try object.emit(Self.interface, "Update", [.string(Self.appURI(appID)), .vardict(properties)])
            onEmit?(appID, properties)
        } catch {
            log.debug("launcher: cannot emit for \(appID): \(error)")
        }
    }

    private func exportObject(for appID: String) {
        guard let path = Self.root.appending(String(nextNumber)) else { return }
        nextNumber += 1
        let object = ExportedObject(path: path, interfaces: [
            Interface(Self.interface, documentation: "Unity LauncherEntry: progress and count on the dock icon of one app.", methods: [
                Method("Query", out: [Argument("app_uri", .string), Argument("properties", .dictionary(key: .string, value: .variant))],
                       documentation: "The current state, for a dock that starts later.") { [weak self] _ in
                    [.string(Self.appURI(appID)), .vardict(self?.state[appID] ?? [])]
                },
            ], signals: [
                SignalDeclaration("Update", [Argument("app_uri", .string), Argument("properties", .dictionary(key: .string, value: .variant))]),
            ]),
        ])
        objects[appID] = object
        connection.export(object)
    }
}

import Logging
import TrainBellCore

/// Follows the Do Not Disturb source that applies to the running notification server and desktop,
/// and reports the desktop's DND state (quiet hours are the daemon's, added on top).
public final class DoNotDisturbMonitor {
    /// Makes the source of a kind, or nil when it cannot apply here (a GSettings schema that is not
    /// installed, for example).
    public typealias SourceFactory = (DoNotDisturbSourceKind) -> DoNotDisturbSource?

    let makeSource: SourceFactory
    let currentDesktop: String?
    let log: Logger
    public private(set) var source: DoNotDisturbSource?
    private var serverName: String?
    /// Called on the loop when the state may have changed.
    public var onChange: (() -> Void)?

    public init(currentDesktop: String?, log: Logger, makeSource: @escaping SourceFactory) {
        self.currentDesktop = currentDesktop
        self.log = log
        self.makeSource = makeSource
    }

    /// Picks the source again for a new server (or none).
    public func serverChanged(_ server: NotificationServer?) {
        serverName = server?.name
        select()
    }

    /// Picks the source for the desktop alone, before any server is known.
    public func start() { select() }

    private func select() {
        let kind = DoNotDisturbSourceKind.applicable(serverName: serverName, currentDesktop: currentDesktop)
        if let kind, source?.name == kind.rawValue { return }
        source?.stop()
        source = kind.flatMap(makeSource)
        if let kind, source == nil {
            log.debug("Do Not Disturb: the \(kind.rawValue) source cannot be read here; DND reads as off")
        }
        if let source {
            log.info("Do Not Disturb: following \(source.name)")
            source.start { [weak self] in self?.onChange?() }
        }
        onChange?()
    }

    /// Re-reads sources whose change signal cannot be relied on; called before a decision.
    public func refresh() { source?.refresh() }

    /// Whether the source must be read again to notice a change (`refresh`).
    public var needsRereading: Bool { source.map { !$0.signalsEveryChange } ?? false }

    /// The desktop's DND as last read; unknown reads as off.
    public var status: DoNotDisturbStatus {
        guard let source, source.isActive == true else {
            return DoNotDisturbStatus(active: false, source: source?.name ?? "none")
        }
        return DoNotDisturbStatus(active: true, source: source.name, serverHoldsUrgent: source.holdsUrgentNotifications)
    }

    public func stop() {
        source?.stop()
        source = nil
    }
}

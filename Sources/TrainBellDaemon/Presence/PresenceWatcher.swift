import DBus
import DBusGLib
import Glibc
import Logging
import TrainBellCore
import TrainBellDesktop

/// Whether the user is at the desk or away (issue 13 §2), for the sinks that send only while away:
/// the screen locks of the session bus (GNOME Shell's `org.gnome.ScreenSaver`, KDE's
/// `org.freedesktop.ScreenSaver`) and of logind on the system bus (the session's `LockedHint`), and
/// the idle monitors (GNOME's `org.gnome.Mutter.IdleMonitor`, KDE's `GetSessionIdleTime`), combined
/// by the configured `AwayRule` (TrainBellCore). Every source follows its service as it comes and
/// goes; all are watched by signal except KDE's idle time, which has none (see `ScreenSaverIdleTime`).
///
/// Without a system bus the logind source is simply absent (logged once). The sources of a rule that
/// needs none (`when = always`, `never`) are not started. `onChange` gets each new status.
final class PresenceWatcher {
    private let connection: Connection
    private let loop: MainLoop
    private let log: Logger
    /// The system bus's address; nil: none is tried.
    private let systemBusAddress: String?
    private let sessionID: String?

    /// The configured rule; a change starts (or stops) the sources it changes, and only those.
    var rule: AwayRule {
        didSet {
            guard rule != oldValue, isStarted else { return }
            if rule.watchesLock != oldValue.watchesLock {
                stopLocks()
                if rule.watchesLock { startLocks() }
            }
            if rule.watchesIdle != oldValue.watchesIdle || rule.awayAfterMinutes != oldValue.awayAfterMinutes {
                stopIdles()
                if rule.watchesIdle { startIdles() }
            }
            decide()
        }
    }
    /// Gets the status whenever it changes.
    var onChange: ((PresenceStatus) -> Void)?
    /// The presence as last decided.
    private(set) var status: PresenceStatus
    /// Whether the user is away now.
    var isAway: Bool { status.isAway }
    /// What decided `isAway`: "screen locked, org.gnome.ScreenSaver", "[away] when=always", "none"…
    var source: String { status.source }

    private var isStarted = false
    private var locks: [PresenceSource] = []
    private var idles: [PresenceSource] = []
    private var systemBus: Connection?
    private var systemBusUnavailable = false

    init(connection: Connection, loop: MainLoop, rule: AwayRule, log: Logger,
         systemBusAddress: String? = Connection.systemBusAddress(),
         sessionID: String? = getenv("XDG_SESSION_ID").map { String(cString: $0) }) {
        self.connection = connection
        self.loop = loop
        self.rule = rule
        self.log = log
        self.systemBusAddress = systemBusAddress
        self.sessionID = sessionID
        status = rule.presence(locks: [], idle: [])
    }

    func start() {
        guard !isStarted else { return }
        isStarted = true
        if rule.watchesLock { startLocks() }
        if rule.watchesIdle { startIdles() }
        decide()
    }

    func stop() {
        isStarted = false
        stopLocks()
        stopIdles()
    }

    private func startLocks() {
        locks = [ScreenSaverLock(.gnome, connection: connection, log: log),
                 ScreenSaverLock(.freedesktop, connection: connection, log: log)]
        if let system = systemConnection() {
            locks.append(LogindSessionLock(connection: system, sessionID: sessionID, log: log))
        }
        for source in locks { source.start { [weak self] in self?.decide() } }
    }

    private func startIdles() {
        idles = [MutterIdleMonitor(connection: connection, minutes: rule.awayAfterMinutes, log: log),
                 ScreenSaverIdleTime(connection: connection, loop: loop, minutes: rule.awayAfterMinutes, log: log)]
        for source in idles { source.start { [weak self] in self?.decide() } }
    }

    private func stopLocks() {
        for source in locks { source.stop() }
        locks = []
    }

    private func stopIdles() {
        for source in idles { source.stop() }
        idles = []
    }

    /// The system bus, connected at the first need; its absence is logged once and the logind source
    /// is then absent for this run.
    private func systemConnection() -> Connection? {
        if let systemBus { return systemBus }
        guard let systemBusAddress, !systemBusUnavailable else { return nil }
        do {
            let system = try Connection(address: systemBusAddress)
            system.attach(to: loop)
            system.onDisconnect = { [weak self] in self?.lostSystemBus() }
            systemBus = system
            return system
        } catch {
            systemBusUnavailable = true
            log.info("presence: no system bus at \(systemBusAddress) (\(error.message)); logind's LockedHint is not watched")
            return nil
        }
    }

    private func lostSystemBus() {
        log.warning("presence: lost the system bus; logind's LockedHint is no longer watched")
        systemBusUnavailable = true
        systemBus = nil
        let logind = locks.filter { $0 is LogindSessionLock }
        for source in logind { source.stop() }
        locks.removeAll { $0 is LogindSessionLock }
        decide()
    }

    /// Decides again once every source has settled: sources just started (at the start, after a
    /// `Reload` that changed them) do not make the presence flap while their first answers are awaited.
    private func decide() {
        guard (locks + idles).allSatisfy(\.isSettled) else { return }
        let fresh = rule.presence(locks: locks.map(\.reading), idle: idles.map(\.reading))
        guard fresh != status else { return }
        status = fresh
        onChange?(fresh)
    }
}

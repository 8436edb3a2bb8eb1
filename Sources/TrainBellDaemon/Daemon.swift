import DBus
import Glibc
import Logging
import TrainBellCore
import TrainBellDesktop

/// The trainbell service: owns `org.trainbell.TrainBell1`, keeps jobs and history, and turns training
/// events into desktop notifications. Everything runs on one `MainLoop`.
public final class Daemon {
    public static let busName: BusName = "org.trainbell.TrainBell1"
    public static let path: ObjectPath = "/org/trainbell/TrainBell1"
    public static let interface: InterfaceName = "org.trainbell.TrainBell1"
    public static let version = "0.1.0"

    /// What `main` passes in.
    public struct Options {
        public var address: String?
        public var replace: Bool
        public var configPath: String
        public var stateDirectory: String

        public init(address: String? = nil, replace: Bool = false, configPath: String, stateDirectory: String) {
            self.address = address
            self.replace = replace
            self.configPath = configPath
            self.stateDirectory = stateDirectory
        }

        /// `$XDG_STATE_HOME/trainbell`, else `~/.local/state/trainbell`.
        public static var defaultStateDirectory: String {
            if let s = getenv("XDG_STATE_HOME").map({ String(cString: $0) }), s.hasPrefix("/") { return s + "/trainbell" }
            let home = getenv("HOME").map { String(cString: $0) } ?? "/tmp"
            return home + "/.local/state/trainbell"
        }
    }

    /// Why the daemon could not start or had to stop: a message for the user and an exit code.
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public let exitCode: Int32
        public var description: String { message }
    }

    let options: Options
    let log: Logger
    let loop: MainLoop
    let connection: Connection
    let history: HistoryStore
    /// How the history is kept (`HistoryState`): in its file, or degraded when the file could not be used.
    let historyState: HistoryState
    /// Writes `GetNotifications` replies a page per turn of the loop.
    let historyPager: HistoryPager
    var configuration: Configuration
    let notifications: NotificationsClient
    let notifier: Notifier
    var root: ExportedObject!

    var jobs: [String: Job] = [:]
    var jobObjects: [String: ExportedObject] = [:]
    /// Jobs whose progress changed since they were last saved (saved by a timer, not per step).
    var unsavedJobs: Set<String> = []
    var saveTimer: EventSource?
    /// PropertiesChanged of a job at most ~10 times a second: when each was last sent, and the trailing one.
    var lastJobAnnouncement: [String: Int64] = [:]
    var pendingJobAnnouncement: [String: EventSource] = [:]
    var pruneTimer: EventSource?
    var doNotDisturb: DoNotDisturbMonitor!
    let launcher: LauncherEntryEmitter
    let plasmaJobs: PlasmaJobTracker
    let appResolver: AppIDResolver
    var launcherBoard: LauncherBoard
    var launcherCoalescers: [String: LauncherCoalescer] = [:]
    var launcherTimers: [String: EventSource] = [:]
    var launcherExpiryTimer: EventSource?
    var launcherExpiryDeadline: Int64?
    var lastDoNotDisturbRefresh: Int64 = 0
    var lastPlasmaPercent: [String: UInt32] = [:]
    /// The app of each recent caller (its pid does not change while it is connected).
    var callerApps: [String: String?] = [:]
    var quietHoursTimer: EventSource?
    var refreshingDoNotDisturb = false
    var exitCode: Int32 = 0

    public init(options: Options, loop: MainLoop = .default, log: Logger) throws(Failure) {
        self.options = options
        self.log = log
        self.loop = loop
        do {
            configuration = try Configuration.load(from: options.configPath)
        } catch {
            log.error("\(error); using the built-in defaults")
            configuration = Configuration()
        }
        for warning in configuration.warnings { log.warning("\(warning)") }
        // A history that cannot be used degrades (moved aside, or kept in memory): notifications go on.
        do {
            (history, historyState) = try HistoryStore.open(path: options.stateDirectory + "/history.sqlite3", now: Clock.now(),
                                                            maximumBytes: configuration.historyMaxBytes)
        } catch {
            throw Failure(message: "cannot keep a history, not even in memory: \(error)", exitCode: 1)
        }
        if !historyState.isOK { log.warning("history: \(historyState)") }
        historyPager = HistoryPager(history: history, loop: loop)
        do {
            if let address = options.address {
                connection = try Connection(address: address)
            } else {
                connection = try Connection.session()
            }
        } catch {
            throw Failure(message: "cannot connect to the session bus: \(error.message)", exitCode: 1)
        }
        connection.attach(to: loop)
        notifications = NotificationsClient(connection: connection)
        notifier = Notifier(client: notifications, history: history, builder: configuration.requestBuilder,
                            collapseWindow: configuration.errorCollapseWindow, log: log)
        launcher = LauncherEntryEmitter(connection: connection, log: log)
        plasmaJobs = PlasmaJobTracker(connection: connection, log: log)
        appResolver = AppIDResolver(desktopFiles: DesktopFileIndex(environment: ProcessEnvironment.current.variables))
        launcherBoard = LauncherBoard(flashDuration: configuration.completionFlashDuration)
        let desktop = getenv("XDG_CURRENT_DESKTOP").map { String(cString: $0) }
        doNotDisturb = DoNotDisturbMonitor(currentDesktop: desktop, log: log) { [unowned self] kind in
            self.makeDoNotDisturbSource(kind)
        }
    }

    /// Exports the objects, then asks for the name (calls arriving during activation find the objects).
    public func start() throws(Failure) {
        restoreJobs()
        root = ExportedObject(path: Self.path, interfaces: [rootInterface], managesObjects: true)
        connection.export(root)
        for (id, job) in jobs.sorted(by: { $0.key < $1.key }) where jobObjects[id] == nil { exportJob(job) }

        notifier.onRecord = { [weak self] record in self?.emitNotification(record) }
        notifications.onServerChange = { [weak self] server in self?.serverChanged(server) }
        startDoNotDisturb()
        startLauncher()
        notifications.onActionInvoked = { [weak self] id, key in self?.actionInvoked(serverID: id, key: key) }
        notifications.onNotificationClosed = { [weak self] id, reason in
            guard let self else { return }
            if let sender = self.notifier.origins[id]?.sender {
                try? self.connection.emitSignal(path: Self.path, interface: Self.interface, member: "NotificationClosed",
                                                [.uint32(id), .uint32(reason)], destination: sender)
            }
            self.notifier.closed(id)
        }
        do {
            try notifications.start()
        } catch {
            log.warning("cannot follow the notification server: \(error)")
        }

        connection.onDisconnect = { [weak self] in
            self?.log.error("lost the connection to the session bus; exiting so that the service manager restarts trainbelld")
            self?.stop(exitCode: 1)
        }
        connection.onNameLost = { [weak self] name in
            guard name == Self.busName.rawValue else { return }
            self?.log.notice("another trainbelld took \(name) over (--replace); exiting")
            self?.stop(exitCode: 0)
        }

        // Before the name: a SIGTERM as soon as the name is seen (a test, systemd) stops cleanly.
        loop.addUnixSignal(SIGHUP) { [weak self] in
            self?.reload()
            return true
        }
        for signal in [SIGTERM, SIGINT] {
            loop.addUnixSignal(signal) { [weak self] in
                self?.log.info("stopping on signal \(signal)")
                self?.stop(exitCode: 0)
                return false
            }
        }
        var flags: NameRequestFlags = [.doNotQueue, .allowReplacement]
        if options.replace { flags.insert(.replaceExisting) }
        let result: NameRequestResult
        do {
            result = try connection.requestName(Self.busName, flags: flags)
        } catch {
            throw Failure(message: "cannot request \(Self.busName): \(error.message)", exitCode: 1)
        }
        switch result {
        case .primaryOwner, .alreadyOwner:
            break
        case .exists, .inQueue:
            let pid = connection.processID(of: Self.busName.rawValue).map { " owned by PID \($0)" } ?? ""
            throw Failure(message: "the name \(Self.busName) is already\(pid): is trainbelld already running? (use --replace to take over)", exitCode: 2)
        }

        prune()
        // Retention is applied once a day while running, and at every start.
        pruneTimer = loop.addTimeout(seconds: 86_400) { [weak self] in
            self?.prune()
            return true
        }
        log.info("trainbelld \(Self.version) serving \(Self.busName) on \(options.address ?? "the session bus")")
    }

    /// Runs until a signal or a lost bus stops it; returns the exit code.
    public func run() -> Int32 {
        loop.run()
        return exitCode
    }

    func stop(exitCode: Int32) {
        self.exitCode = exitCode
        saveUnsavedJobs()
        connection.flush()
        loop.quit()
    }

    /// Re-reads the configuration (`Reload`, SIGHUP); a bad file keeps the last good one.
    @discardableResult
    func reload() -> Result<Void, TrainBellError> {
        do {
            let fresh = try Configuration.load(from: options.configPath)
            configuration = fresh
            notifier.builder = fresh.requestBuilder
            history.maximumBytes = fresh.historyMaxBytes
            notifier.collapser = ErrorCollapser(window: fresh.errorCollapseWindow)
            notifier.policy.sendsDigest = fresh.sendsDigest
            notifier.policy.templates = fresh.composer.templates
            launcherBoard.flashDuration = fresh.completionFlashDuration
            scheduleQuietHours()
            for warning in fresh.warnings { log.warning("\(warning)") }
            log.info("configuration reloaded from \(options.configPath)")
            return .success(())
        } catch {
            log.error("\(error); keeping the previous configuration")
            return .failure(.failed("the configuration was not reloaded: \(error); the previous configuration stays"))
        }
    }

    /// Jobs kept in memory (and exported) at most; ended ones go first, after a day.
    static let maximumJobs = 10_000
    static let endedJobLifetime: Int64 = 86_400_000_000

    func prune() {
        evictEndedJobs(olderThan: Clock.now() - Self.endedJobLifetime)
        do {
            let removed = try history.prune(maxRecords: configuration.historyMaxRecords ?? Int.max,
                                            maxAge: configuration.historyMaxAge ?? Int64.max, now: Clock.now())
            if removed > 0 { log.info("history: removed \(removed) old records") }
        } catch {
            log.error("history: cannot remove old records: \(error)")
        }
    }

    /// Forgets ended jobs last updated before `cutoff` (they stay in the history): unexported, and
    /// every per-job table cleared, so a trainer that makes millions of ids cannot grow the daemon.
    func evictEndedJobs(olderThan cutoff: Int64) {
        let ended = jobs.values.filter { $0.state != .running && $0.updatedAt < cutoff }.map(\.id.rawValue)
        if !ended.isEmpty { saveUnsavedJobs() }
        for key in ended {
            jobs.removeValue(forKey: key)
            if let object = jobObjects.removeValue(forKey: key) { connection.unexport(object.path) }
            lastJobAnnouncement.removeValue(forKey: key)
            pendingJobAnnouncement.removeValue(forKey: key)?.cancel()
            lastPlasmaPercent.removeValue(forKey: key)
            notifier.forget(jobID: key)
        }
        if !ended.isEmpty { log.debug("forgot \(ended.count) ended jobs (their history stays)") }
    }

    /// Room for one more job, or a clear error.
    func makeRoomForJob() throws(TrainBellError) {
        guard jobs.count >= Self.maximumJobs else { return }
        evictEndedJobs(olderThan: Int64.max)
        guard jobs.count >= Self.maximumJobs else { return }
        throw .limitsExceeded("\(jobs.count) jobs are running, the most trainbelld keeps; end some with CompleteJob or CancelJob")
    }

    func serverChanged(_ server: NotificationServer?) {
        if let server {
            log.info("notification server: \(server.name) \(server.version) (\(server.capabilities.sorted().joined(separator: " ")))")
        } else {
            log.warning("no notification server on the bus: notifications are recorded, errors and completions wait for one")
        }
        doNotDisturb.serverChanged(server)
        notifier.serverChanged(server)
        root?.emitPropertiesChanged(Self.interface, ["NotificationServer"])
    }

    func emitNotification(_ record: NotificationRecord) {
        log.debug("notification \(record.id) of job \(record.jobID): \(record.event.type.rawValue) \"\(record.event.title)\" \(record.delivery.rawValue), server id \(record.serverID)")
        try? root?.emit(Self.interface, "NotificationEmitted", [.string(record.jobID), record.busValue])
    }
}

import CGio
import DBus
import DBusGLib
import Glibc
import Logging
import TrainBellCore
import TrainBellDesktop

/// The trainbell service: builds its components, connects them, owns `org.trainbell.TrainBell1` and
/// runs the one main loop. What each component owns and who calls it: `README.md` beside this file.
public final class Daemon {
    public static let busName = BusInterface.busName
    public static let version = BusInterface.version

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
            stateDirectory { name in getenv(name).map { String(cString: $0) } }
        }

        /// The state directory for an environment. `XDG_STATE_HOME` counts only when it is an absolute
        /// path; without `HOME`, the home directory of the user's password entry (as for the configuration).
        public static func stateDirectory(environment: (String) -> String?) -> String {
            if let stateHome = environment("XDG_STATE_HOME"), stateHome.hasPrefix("/") { return stateHome + "/trainbell" }
            var home = environment("HOME") ?? ""
            if home.isEmpty, let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir {
                home = String(cString: directory)
            }
            return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.local/state/trainbell"
        }
    }

    /// Why the daemon could not start or had to stop: a message for the user and an exit code.
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public let exitCode: Int32
        public var description: String { message }
    }

    private let options: Options
    private let log: Logger
    private let loop: MainLoop
    private let connection: Connection
    private let history: HistoryStore
    private let historyPager: HistoryPager
    private let notifications: NotificationsClient
    private let notifier: Notifier
    private let doNotDisturb: DoNotDisturbService
    private let presence: PresenceWatcher
    private let registry: JobRegistry
    private let metrics: MetricsKeeper
    private let stalls: StallDetector
    private let launcher: LauncherPresenter
    private let actions: ActionRunner
    private let sounds: SoundPlayer
    private let interface: BusInterface
    private let janitor: MemoryJanitor
    private let peerSocket: PeerSocket
    private let broker: BrokerLink
    private let sinks: SinkDispatcher
    private let lifecycle = Lifecycle()

    public init(options: Options, loop: MainLoop = .default, log: Logger) throws(Failure) {
        self.options = options
        self.log = log
        self.loop = loop
        janitor = MemoryJanitor(loop: loop)
        // Large buffers (a 1 MiB message, a GetNotifications reply) are mapped and unmapped, never
        // left in the heap: with glibc's growing threshold a daemon once sent 5 MB strings kept the
        // 100 MB it had freed (the hostile-input test).
        tb_bound_freed_memory(128 << 10)
        // A peer that goes away while we write to it (a sink's command that does not read its input,
        // a closed socket) is an EPIPE to handle, never a signal that ends the daemon. Commands
        // trainbelld starts get the default back (posix_spawn's SETSIGDEF).
        signal(SIGPIPE, SIG_IGN)
        var configuration: Configuration
        do {
            configuration = try Configuration.load(from: options.configPath)
        } catch {
            log.error("\(error); using the built-in defaults")
            configuration = Configuration()
        }
        for warning in configuration.warnings { log.warning("\(warning)") }
        // A history that cannot be used degrades (moved aside, or kept in memory): notifications go on.
        let historyState: HistoryState
        do {
            (history, historyState) = try HistoryStore.open(path: options.stateDirectory + "/history.sqlite3", now: Clock.now(),
                                                            maximumBytes: configuration.historyMaxBytes)
        } catch {
            throw Failure(message: "cannot keep a history, not even in memory: \(error)", exitCode: 1)
        }
        if !historyState.isOK { log.warning("history: \(historyState)") }
        history.maximumRecords = configuration.historyMaxRecords
        historyPager = HistoryPager(history: history, loop: loop)
        do throws(BusError) {
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
        let desktop = getenv("XDG_CURRENT_DESKTOP").map { String(cString: $0) }
        let connection = connection
        doNotDisturb = DoNotDisturbService(monitor: DoNotDisturbMonitor(currentDesktop: desktop, log: log) { kind in
            DoNotDisturbService.source(kind, connection: connection, log: log)
        }, loop: loop, log: log)
        presence = PresenceWatcher(connection: connection, loop: loop, rule: configuration.awayRule, log: log)
        registry = JobRegistry(connection: connection, loop: loop, history: history, log: log)
        metrics = MetricsKeeper(loop: loop, history: history, log: log)
        metrics.lossJump = (configuration.lossJumpFactor, configuration.lossJumpWindow)
        stalls = StallDetector(loop: loop)
        stalls.minimum = configuration.stallMinimum
        stalls.factor = configuration.stallFactor
        launcher = LauncherPresenter(connection: connection, loop: loop, log: log, settings: configuration.launcherSettings)
        actions = ActionRunner(connection: connection, history: history, notifier: notifier,
                               stateDirectory: options.stateDirectory, detailsCommand: configuration.detailsCommand,
                               retryCommand: configuration.retryCommand, log: log)
        sounds = SoundPlayer(loop: loop, log: log)
        let callerApps = CallerApps(connection: connection, resolver: AppIDResolver(
            desktopFiles: DesktopFileIndex(environment: ProcessEnvironment.current.variables)))
        interface = BusInterface(connection: connection, registry: registry, notifier: notifier, launcher: launcher,
                                 doNotDisturb: doNotDisturb, callerApps: callerApps, history: history,
                                 metrics: metrics, stalls: stalls, notifications: notifications, historyPager: historyPager, historyState: historyState,
                                 configuration: configuration, log: log)
        peerSocket = PeerSocket(connection: connection, loop: loop, log: log)
        broker = BrokerLink(loop: loop, log: log)
        sinks = SinkDispatcher(history: history, loop: loop, log: log, version: Self.version)
    }

    /// Connects the components, exports the objects, then asks for the name (calls arriving during
    /// activation find the objects).
    public func start() throws(Failure) {
        connect()
        registry.restore()
        interface.export()
        doNotDisturb.start()
        presence.start()
        launcher.start()
        actions.start(notifications)
        do {
            try notifications.start()
        } catch {
            log.warning("cannot follow the notification server: \(error)")
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
        try requestName()
        // Once the name is ours: the socket is this daemon's alone.
        peerSocket.start(runtimeDirectory: getenv("XDG_RUNTIME_DIR").map { String(cString: $0) })
        // After the name and the restored jobs: the broker's backlog finds them.
        broker.start(interface.configuration.remote)
        // After the broker: what waited in the outbox since the last run goes out now.
        sinks.configure(interface.configuration.sinks)
        prune()
        // Retention is applied once a day while running, and at every start.
        lifecycle.pruneTimer = loop.addTimeout(seconds: 86_400) { [weak self] in
            self?.prune()
            return true
        }
        log.info("trainbelld \(Self.version) serving \(Self.busName) on \(options.address ?? "the session bus")")
    }

    /// Who tells whom: every callback between components is set here, and only here.
    private func connect() {
        let (interface, notifier, doNotDisturb, launcher, metrics, sounds) = (interface, notifier, doNotDisturb, launcher, metrics, sounds)
        let configuration = interface.configuration
        notifier.policy.sendsDigest = configuration.sendsDigest
        notifier.soundFallback = configuration.soundFallback
        notifier.onSound = { [unowned sounds] sound, id in sounds.play(sound, notificationID: id) }
        actions.onClosed = { [unowned sounds] id, reason in sounds.closed(notificationID: id, reason: reason) }
        notifier.policy.templates = configuration.composer.templates
        let sinks = sinks
        notifier.onRecord = { [unowned interface, unowned sinks] record in
            interface.emitNotification(record)
            sinks.take(record)
        }
        notifier.beforeDecision = { [unowned doNotDisturb] in doNotDisturb.refresh() }
        notifier.onHeld = { [unowned doNotDisturb] in doNotDisturb.recordHeld() }
        doNotDisturb.holdsRecords = { [unowned notifier] in notifier.holdsRecords }
        doNotDisturb.onChange = { [weak self] status in self?.doNotDisturbChanged(status) }
        doNotDisturb.quietHours = configuration.quietHours
        presence.onChange = { [weak self] status in self?.presenceChanged(status) }
        interface.presenceStatus = { [unowned presence] in presence.status }
        registry.onForget = { [unowned notifier, unowned launcher, unowned metrics, unowned stalls] key in
            notifier.forget(jobID: key)
            launcher.forget(jobID: key)
            metrics.forget(key)
            stalls.ended(key)
        }
        stalls.isRunning = { [unowned registry] key in registry[key]?.state == .running }
        stalls.secondsPerStep = { [unowned registry] key in registry[key]?.rate.stepsPerSecond.map { 1 / $0 } }
        stalls.onStall = { [unowned interface, unowned sinks] key, text in
            sinks.stallComing(key.rawValue)
            interface.stalled(key, warning: text)
        }
        launcher.onPlasmaCancel = { [unowned interface] job in interface.emit("ActionInvoked", [.string(job), .string("cancel")]) }
        actions.emit = { [unowned interface] member, arguments, destination in interface.emit(member, arguments, to: destination) }
        interface.reload = { [unowned self] in self.reload() }
        let broker = broker
        interface.remoteStatus = { [unowned broker] in (broker.state.rawValue, broker.summary, broker.refusedCount) }
        broker.onState = { [unowned interface] in interface.changed(["RemoteState", "RemoteStatus"]) }
        broker.onEvent = { [unowned interface] event, away in interface.remoteEvent(event, away: away) }
        broker.onAwayDigest = { [unowned interface] digest in interface.awayDigest(digest) }
        actions.remoteJob = { [unowned interface] job in interface.remoteJob(job) }
        actions.publishAction = { [unowned broker] action in broker.publish(action) }
        sinks.isAway = { [unowned presence] in presence.status.isAway }
        sinks.hostOf = { [unowned interface] job in interface.remoteJob(job)?.host ?? "" }
        sinks.publish = { [unowned broker] topic, payload, done in broker.publish(topic: topic, payload: payload, done: done) }
        sinks.onSummary = { [unowned notifier] event in _ = notifier.deliver(event, jobID: nil, appID: nil, icon: nil, now: Clock.now()) }
        sinks.onChange = { [unowned interface] in interface.changed(["SinkStatus"]) }
        interface.sinkStatus = { [unowned sinks] in sinks.status }
        interface.testSink = { [unowned sinks] name, done in sinks.test(name, done: done) }
        notifications.onServerChange = { [weak self] server in self?.serverChanged(server) }
        connection.afterDispatch = { [unowned janitor] in janitor.noteActivity() }
        connection.onDisconnect = { [weak self] in
            self?.log.error("lost the connection to the session bus; exiting so that the service manager restarts trainbelld")
            self?.stop(exitCode: 1)
        }
        connection.onNameLost = { [weak self] name in
            guard name == Self.busName.rawValue else { return }
            self?.log.notice("another trainbelld took \(name) over (--replace); exiting")
            self?.stop(exitCode: 0)
        }
    }

    private func requestName() throws(Failure) {
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
    }

    /// Runs until a signal or a lost bus stops it; returns the exit code.
    public func run() -> Int32 {
        loop.run()
        return lifecycle.exitCode
    }

    private func stop(exitCode: Int32) {
        lifecycle.exitCode = exitCode
        registry.saveUnsaved()
        metrics.saveUnsaved()
        peerSocket.stop()
        broker.stop()
        connection.flush()
        loop.quit()
    }

    /// Re-reads the configuration (`Reload`, SIGHUP); a bad file keeps the last good one.
    @discardableResult
    private func reload() -> Result<Void, TrainBellError> {
        do {
            let fresh = try Configuration.load(from: options.configPath)
            interface.configuration = fresh
            notifier.builder = fresh.requestBuilder
            history.maximumBytes = fresh.historyMaxBytes
            history.maximumRecords = fresh.historyMaxRecords
            metrics.lossJump = (fresh.lossJumpFactor, fresh.lossJumpWindow)
            stalls.minimum = fresh.stallMinimum
            stalls.factor = fresh.stallFactor
            notifier.collapser = ErrorCollapser(window: fresh.errorCollapseWindow)
            notifier.policy.sendsDigest = fresh.sendsDigest
            notifier.policy.templates = fresh.composer.templates
            notifier.soundFallback = fresh.soundFallback
            launcher.settings = fresh.launcherSettings
            actions.detailsCommand = fresh.detailsCommand
            actions.retryCommand = fresh.retryCommand
            doNotDisturb.quietHours = fresh.quietHours
            presence.rule = fresh.awayRule
            broker.start(fresh.remote)
            sinks.configure(fresh.sinks)
            for warning in fresh.warnings { log.warning("\(warning)") }
            log.info("configuration reloaded from \(options.configPath)")
            return .success(())
        } catch {
            log.error("\(error); keeping the previous configuration")
            return .failure(.failed("the configuration was not reloaded: \(error); the previous configuration stays"))
        }
    }

    private func prune() {
        registry.forgetEnded(olderThan: Clock.now() - JobRegistry.endedJobLifetime)
        let configuration = interface.configuration
        do {
            let removed = try history.prune(maxRecords: configuration.historyMaxRecords ?? Int.max,
                                            maxAge: configuration.historyMaxAge ?? Int64.max, now: Clock.now())
            if removed > 0 { log.info("history: removed \(removed) old records") }
        } catch {
            log.error("history: cannot remove old records: \(error)")
        }
    }

    private func serverChanged(_ server: NotificationServer?) {
        if let server {
            log.info("notification server: \(server.name) \(server.version) (\(server.capabilities.sorted().joined(separator: " ")))")
        } else {
            log.warning("no notification server on the bus: notifications are recorded, errors and completions wait for one")
        }
        doNotDisturb.serverChanged(server)
        notifier.serverChanged(server)
        interface.changed(["NotificationServer"])
    }

    private func doNotDisturbChanged(_ status: DoNotDisturbStatus) {
        guard notifier.updateDoNotDisturb(status, now: Clock.now()) else { return }
        log.info("Do Not Disturb \(status.active ? "on" : "off") (\(status.source))")
        interface.changed(["DoNotDisturb", "DoNotDisturbSource"])
    }

    private func presenceChanged(_ status: PresenceStatus) {
        log.info("presence: \(status)")
        sinks.presenceChanged(away: status.isAway)
        interface.changed(["Presence", "PresenceSource"])
    }

    /// What the daemon's run holds besides its components: the retention timer and the exit code.
    private final class Lifecycle {
        var pruneTimer: EventSource?
        var exitCode: Int32 = 0
    }
}

import DBus
import DBusGLib
import Logging
import TrainBellCore
import TrainBellDesktop

/// Jobs on the dock: each app's icon through the Unity LauncherEntry API (the mean progress of its
/// running jobs, a count badge, the completion flash and its expiry, the urgent mark), with each
/// app's updates coalesced to at most N a second (the last never lost); and each job in KDE Plasma's
/// job tracker where that is on.
final class LauncherPresenter {
    /// What the configuration sets.
    struct Settings {
        var updatesPerSecond: Int
        var flashDuration: Int64
        var usesPlasmaJobs: Bool
    }

    private let loop: MainLoop
    private let log: Logger
    private let emitter: LauncherEntryEmitter
    private let plasmaJobs: PlasmaJobTracker
    private var board: LauncherBoard
    private var coalescers: [String: LauncherCoalescer] = [:]
    private var timers: [String: EventSource] = [:]
    private var expiryTimer: EventSource?
    private var expiryDeadline: Int64?
    /// The percent last shown in Plasma of each running job (Plasma is told only of changes).
    private var plasmaPercent: [JobID: UInt32] = [:]
    var settings: Settings {
        didSet { board.flashDuration = settings.flashDuration }
    }
    /// The user cancelled job (its id) in Plasma.
    var onPlasmaCancel: ((String) -> Void)?

    init(connection: Connection, loop: MainLoop, log: Logger, settings: Settings) {
        self.loop = loop
        self.log = log
        self.settings = settings
        emitter = LauncherEntryEmitter(connection: connection, log: log)
        plasmaJobs = PlasmaJobTracker(connection: connection, log: log)
        board = LauncherBoard(flashDuration: settings.flashDuration)
    }

    func start() {
        emitter.start()
        guard settings.usesPlasmaJobs else { return }
        plasmaJobs.onCancel = { [weak self] job in
            self?.log.info("Plasma asked to cancel job \(job)")
            self?.onPlasmaCancel?(job)
        }
        plasmaJobs.start()
    }

    /// Mirrors `job`'s state on its app's dock icon and as a Plasma job; `event` is the notification
    /// that came with the change, if any (only a new completion flashes).
    func show(_ job: Job, event: NotificationEvent? = nil) {
        let now = Clock.now()
        let updates: [LauncherUpdate]
        switch job.state {
        case .running:
            updates = board.reportProgress(job: job.id, appID: job.appID, fraction: job.progress)
        case .failed:
            updates = board.reportError(job: job.id, appID: job.appID)
        case .completed:
            // A later CompleteJob after 100 % was shown leaves the flash to end by itself.
            updates = event?.type == .completion ? board.complete(job: job.id, appID: job.appID, now: now) : []
        case .cancelled:
            updates = board.cancel(job: job.id)
        }
        apply(updates, now: now)
        scheduleExpiry()
        showInPlasma(job)
    }

    /// A running job went silent: its app's icon is urgent until the job reports again (progress then
    /// replaces the entry).
    func showStalled(_ job: Job) {
        apply(board.reportError(job: job.id, appID: job.appID), now: Clock.now())
    }

    /// `SetProgress(app_id, value)`.
    func setProgress(appID: String, value: Double) {
        let now = Clock.now()
        apply(board.setProgress(appID: appID, value: TaskbarProgress(setProgressValue: value), now: now), now: now)
        scheduleExpiry()
    }

    /// A job the daemon forgot.
    func forget(jobID: JobID) {
        plasmaPercent.removeValue(forKey: jobID)
    }

    /// Each app's updates go through its coalescer: at most N a second, the last never lost.
    private func apply(_ updates: [LauncherUpdate], now: Int64) {
        for update in updates {
            let app = update.appID
            var coalescer = coalescers[app] ?? LauncherCoalescer(maxUpdatesPerSecond: settings.updatesPerSecond)
            let decision = coalescer.offer(update.properties, now: now)
            coalescers[app] = coalescer
            handle(decision, app: app, now: now)
        }
    }

    private func handle(_ decision: LauncherCoalescerDecision, app: String, now: Int64) {
        switch decision {
        case .send(let properties):
            emitter.update(app, Self.busProperties(properties))
            if coalescers[app]?.isIdle == true, board.properties(appID: app) == .cleared {
                coalescers.removeValue(forKey: app)
            }
        case .schedule(let at):
            guard timers[app] == nil else { return }
            let wait = UInt32(clamping: max(1, (at - now + 999) / 1000))
            timers[app] = loop.addTimeout(milliseconds: wait) { [weak self] in
                guard let self else { return false }
                self.timers.removeValue(forKey: app)
                let now = Clock.now()
                if var coalescer = self.coalescers[app] {
                    let next = coalescer.timerFired(now: now)
                    self.coalescers[app] = coalescer
                    self.handle(next, app: app, now: now)
                }
                return false
            }
        case .skip:
            break
        }
    }

    /// One timer at the next end of a completion flash.
    private func scheduleExpiry() {
        let deadline = board.nextDeadline
        if deadline == expiryDeadline, expiryTimer != nil || deadline == nil { return }
        expiryTimer?.cancel()
        expiryTimer = nil
        expiryDeadline = deadline
        guard let deadline else { return }
        let wait = UInt32(clamping: max(1, (deadline - Clock.now() + 999) / 1000))
        expiryTimer = loop.addTimeout(milliseconds: wait) { [weak self] in
            guard let self else { return false }
            self.expiryTimer = nil
            self.expiryDeadline = nil
            let now = Clock.now()
            self.apply(self.board.expire(now: now), now: now)
            self.scheduleExpiry()
            return false
        }
    }

    static func busProperties(_ p: LauncherEntryProperties) -> [(String, DBusValue)] {
        [
            ("progress", .double(p.progress)), ("progress-visible", .boolean(p.progressVisible)),
            ("count", .int64(p.count)), ("count-visible", .boolean(p.countVisible)), ("urgent", .boolean(p.urgent)),
        ]
    }

    /// The job in Plasma's job tracker: title, percent, "step x of y" with an estimate of the time left.
    private func showInPlasma(_ job: Job) {
        guard settings.usesPlasmaJobs else { return }
        let key = job.id
        switch job.state {
        case .running:
            let percent = UInt32(job.percent)
            if plasmaPercent[key] == percent { return }
            plasmaPercent[key] = percent
            plasmaJobs.update(key.rawValue, desktopEntry: job.appID ?? "",
                              .init(title: job.title, percent: percent, infoMessage: Self.stepMessage(job, now: Clock.now())))
        case .completed:
            plasmaPercent.removeValue(forKey: key)
            plasmaJobs.terminate(key.rawValue, errorCode: 0, message: "")
        case .failed:
            plasmaPercent.removeValue(forKey: key)
            plasmaJobs.terminate(key.rawValue, errorCode: 1, message: job.lastError.map { String($0.prefix(200)) } ?? "failed")
        case .cancelled:
            plasmaPercent.removeValue(forKey: key)
            plasmaJobs.terminate(key.rawValue, errorCode: 1, message: "cancelled")
        }
    }

    /// "Step 420 of 1000, about 15 min left": the estimate the notifications and `trainbell status`
    /// give (``ProgressRate``), not one of Plasma's own.
    static func stepMessage(_ job: Job, now: Int64) -> String {
        guard job.totalSteps > 0 else { return "Step \(job.currentStep)" }
        var text = "Step \(job.currentStep) of \(job.totalSteps)"
        if let seconds = job.secondsLeft { text += ", " + TimeLeft.describe(seconds) }
        return text
    }
}

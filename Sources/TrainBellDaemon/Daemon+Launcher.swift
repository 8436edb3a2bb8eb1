import DBus
import TrainBellCore
import TrainBellDesktop

extension Daemon {
    func startLauncher() {
        launcher.start()
        if configuration.usesKDEJobTracker {
            plasmaJobs.onCancel = { [weak self] job in
                self?.log.info("Plasma asked to cancel job \(job)")
                try? self?.root.emit(Self.interface, "ActionInvoked", [.string(job), .string("cancel")])
            }
            plasmaJobs.start()
        }
    }

    /// The app whose dock icon shows a new job: the trainer's choice or the configured default; else
    /// the caller's own app (its systemd scope or launch environment, when a desktop file exists).
    ///
    /// `StartJob` looks the caller up at once (`waitForCaller`): its caller waits for the answer, so its
    /// process is still there to read — a short call to the bus daemon, not to a peer, once per
    /// caller. A job started by its first report is looked up in the background and gets its app
    /// when the answer comes.
    func appID(requested: String?, caller: String, job: String, waitForCaller: Bool = false) -> String? {
        if let requested, !requested.isEmpty { return requested }
        if let configured = configuration.defaultAppID, !configured.isEmpty { return configured }
        guard !caller.isEmpty else { return nil }
        if let known = callerApps[caller] { return known }
        if waitForCaller {
            guard let pid = connection.processID(of: caller) else { return nil }
            let app = appResolver.resolve(pid: pid)?.appID
            if callerApps.count >= 256 { callerApps.removeAll() }
            callerApps[caller] = .some(app)
            return app
        }
        connection.callAsync(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: .bus,
                             member: "GetConnectionUnixProcessID", [.string(caller)], timeout: 5) { [weak self] result in
            guard let self, case .uint32(let pid)? = (try? result.get())?.first else { return }
            let app = self.appResolver.resolve(pid: pid)?.appID
            if self.callerApps.count >= 256 { self.callerApps.removeAll() }
            self.callerApps[caller] = .some(app)
            guard let app, let current = self.jobs[job], current.appID == nil else { return }
            self.jobs[job]?.appID = app
            self.unsavedJobs.insert(job)
            self.scheduleSave()
            self.announce(job, immediately: true)
            self.updateLauncher(for: job)
        }
        return nil
    }

    /// Mirrors a job's state on its app's dock icon and as a Plasma job.
    func updateLauncher(for key: String, event: NotificationEvent? = nil) {
        guard let job = jobs[key] else { return }
        let now = Clock.now()
        var updates: [LauncherUpdate] = []
        switch job.state {
        case .running:
            updates = launcherBoard.reportProgress(job: job.id, appID: job.appID, fraction: job.progress)
        case .failed:
            updates = launcherBoard.reportError(job: job.id, appID: job.appID)
        case .completed:
            // Only a new completion flashes (not CompleteJob after 100 % was shown).
            // Only a new completion flashes; a later call leaves the flash to end by itself.
            if event?.type == .completion {
                updates = launcherBoard.complete(job: job.id, appID: job.appID, now: now)
            }
        case .cancelled:
            updates = launcherBoard.cancel(job: job.id)
        }
        apply(updates, now: now)
        scheduleLauncherExpiry()
        updatePlasmaJob(job)
    }

    /// `SetProgress(app_id, value)`.
    func setLauncherProgress(appID: String, value: Double) {
        let now = Clock.now()
        apply(launcherBoard.setProgress(appID: appID, value: TaskbarProgress(setProgressValue: value), now: now), now: now)
        scheduleLauncherExpiry()
    }

    /// Each app's updates go through its coalescer: at most N a second, the last never lost.
    func apply(_ updates: [LauncherUpdate], now: Int64) {
        for update in updates {
            let app = update.appID
            var coalescer = launcherCoalescers[app] ?? LauncherCoalescer(maxUpdatesPerSecond: configuration.launcherUpdatesPerSecond)
            let decision = coalescer.offer(update.properties, now: now)
            launcherCoalescers[app] = coalescer
            handle(decision, app: app, now: now)
        }
    }

    private func handle(_ decision: LauncherCoalescerDecision, app: String, now: Int64) {
        switch decision {
        case .send(let properties):
            launcher.update(app, Self.launcherProperties(properties))
            if launcherCoalescers[app]?.isIdle == true, launcherBoard.properties(appID: app) == .cleared {
                launcherCoalescers.removeValue(forKey: app)
            }
        case .schedule(let at):
            guard launcherTimers[app] == nil else { return }
            let wait = UInt32(clamping: max(1, (at - now + 999) / 1000))
            launcherTimers[app] = loop.addTimeout(milliseconds: wait) { [weak self] in
                guard let self else { return false }
                self.launcherTimers.removeValue(forKey: app)
                let now = Clock.now()
                if var coalescer = self.launcherCoalescers[app] {
                    let next = coalescer.timerFired(now: now)
                    self.launcherCoalescers[app] = coalescer
                    self.handle(next, app: app, now: now)
                }
                return false
            }
        case .skip:
            break
        }
    }

    /// One timer at the next end of a completion flash.
    func scheduleLauncherExpiry() {
        let deadline = launcherBoard.nextDeadline
        if deadline == launcherExpiryDeadline, launcherExpiryTimer != nil || deadline == nil { return }
        launcherExpiryTimer?.cancel()
        launcherExpiryTimer = nil
        launcherExpiryDeadline = deadline
        guard let deadline else { return }
        let wait = UInt32(clamping: max(1, (deadline - Clock.now() + 999) / 1000))
        launcherExpiryTimer = loop.addTimeout(milliseconds: wait) { [weak self] in
            guard let self else { return false }
            self.launcherExpiryTimer = nil
            self.launcherExpiryDeadline = nil
            let now = Clock.now()
            self.apply(self.launcherBoard.expire(now: now), now: now)
            self.scheduleLauncherExpiry()
            return false
        }
    }

    static func launcherProperties(_ p: LauncherEntryProperties) -> [(String, DBusValue)] {
        [
            ("progress", .double(p.progress)), ("progress-visible", .boolean(p.progressVisible)),
            ("count", .int64(p.count)), ("count-visible", .boolean(p.countVisible)), ("urgent", .boolean(p.urgent)),
        ]
    }

    /// The job in Plasma's job tracker: title, percent, "step x of y" with an estimate of the time left.
    func updatePlasmaJob(_ job: Job) {
        guard configuration.usesKDEJobTracker else { return }
        let key = job.id.rawValue
        switch job.state {
        case .running:
            let percent = UInt32(job.percent)
            if lastPlasmaPercent[key] == percent { return }
            lastPlasmaPercent[key] = percent
            plasmaJobs.update(key, desktopEntry: job.appID ?? "",
                              .init(title: job.title, percent: percent, infoMessage: Self.stepMessage(job, now: Clock.now())))
        case .completed:
            lastPlasmaPercent.removeValue(forKey: key)
            plasmaJobs.terminate(key, errorCode: 0, message: "")
        case .failed:
            lastPlasmaPercent.removeValue(forKey: key)
            plasmaJobs.terminate(key, errorCode: 1, message: job.lastError.map { String($0.prefix(200)) } ?? "failed")
        case .cancelled:
            lastPlasmaPercent.removeValue(forKey: key)
            plasmaJobs.terminate(key, errorCode: 1, message: "cancelled")
        }
    }

    /// "Step 420 of 1000, about 14 min left".
    static func stepMessage(_ job: Job, now: Int64) -> String {
        guard job.totalSteps > 0 else { return "Step \(job.currentStep)" }
        var text = "Step \(job.currentStep) of \(job.totalSteps)"
        let elapsed = now - job.startedAt
        if job.currentStep > 0, job.currentStep < job.totalSteps, elapsed > 0 {
            let remaining = Double(elapsed) / Double(job.currentStep) * Double(job.totalSteps - job.currentStep) / 1_000_000
            text += ", about " + duration(remaining) + " left"
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 8_640_000 else { return "more than 100 days" }
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
        return "\(Int((seconds / 3600).rounded())) h"
    }
}

import DBus
import TrainBellAPI
import TrainBellCore

extension BusInterface {
    func startJob(_ rawID: String, title: String, total: UInt64, options: OptionMap, caller: String, host: String = "") throws(TrainBellError) -> ObjectPath {
        // total 0: the length is not known yet; the first ReportProgress with a total sets it.
        let id = try BusArguments.jobID(rawID)
        var milestones = configuration.milestones
        if let values = try options.integers("milestones") {
            do { milestones = try MilestoneSet(values) } catch { throw TrainBellError.from(error, argument: "option 'milestones'") }
        }
        let requested = try options.string("app-id").flatMap { $0.isEmpty ? nil : $0 }
        let appID = self.appID(requested: try requested.map { text throws(TrainBellError) in try BusArguments.appID(text, argument: "option 'app-id'") },
                               caller: caller, job: id, waitForCaller: true)
        let icon = try options.string("icon").map { text throws(TrainBellError) in try BusArguments.icon(text, argument: "option 'icon'") }
        var job = Job.start(id: id, title: BusArguments.title(title), totalSteps: total, appID: appID,
                            icon: icon, milestones: milestones, now: Clock.now())
        job.host = host
        try registry.add(job)
        notifier.forget(jobID: id)
        metrics.startOver(id)
        stalls.started(id, at: job.startedAt)
        changed(["ActiveJobs"])
        launcher.show(job)
        return JobObject.path(of: id)
    }

    func reportProgress(_ rawID: String, current: UInt64, total: UInt64, caller: String, host: String = "") throws(TrainBellError) {
        let key: JobID
        if let known = registry.knownID(rawID) {
            key = known
        } else {
            // An unknown id starts a job titled by its id.
            let id = try BusArguments.jobID(rawID)
            key = id
            var job = Job.start(id: id, title: id.rawValue, totalSteps: total,
                                appID: appID(requested: nil, caller: caller, job: key),
                                milestones: configuration.milestones, now: Clock.now())
            job.host = host
            try registry.add(job)
            changed(["ActiveJobs"])
        }
        let now = Clock.now()
        stalls.updated(key, at: now)
        let launcher = self.launcher
        // One look-up of the job, changed in place: whether it was running, the notification if any,
        // and (the hot path, without one) its launcher progress shown from where it is stored.
        guard let (wasRunning, event, isRunning) = registry.update(key, { job in
            let wasRunning = job.state == .running
            let event = job.reportProgress(current: current, total: total, now: now, composer: configuration.composer)
            if event == nil { launcher.show(job) }
            return (wasRunning, event, job.state == .running)
        }) else { return }
        guard let event else {
            // The hot path: no notification; saved by the timer, announced at most ~10 times a second.
            registry.changed(key)
            if !wasRunning && isRunning { changed(["ActiveJobs"]) }
            return
        }
        try notify(event, key: key, now: now)
        if let job = registry[key] { launcher.show(job, event: event) }
        if event.type == .completion { changed(["ActiveJobs"]) }
    }

    func reportError(_ rawID: String, message: String, type: String, urgency: String, caller: String = "", host: String = "") throws(TrainBellError) -> UInt64 {
        let errorType = try BusArguments.errorType(type)
        let requested = try BusArguments.urgency(urgency)
        let message = BusArguments.message(message)
        let key = try existingOrNewJob(rawID, caller: caller, host: host)
        if errorType == "loss_divergence" { metrics.noteReportedDivergence(key) }
        let now = Clock.now()
        let composer = configuration.composer
        guard let event = registry.update(key, {
            $0.reportError(message: message, type: errorType, urgency: requested, now: now, composer: composer)
        }) else { return 0 }
        let record = try notify(event, key: key, now: now)
        if let job = registry[key] { launcher.show(job, event: event) }
        changed(["ActiveJobs"])
        return record.id
    }

    func reportWarning(_ rawID: String, message: String, caller: String = "", host: String = "") throws(TrainBellError) -> UInt64 {
        let message = BusArguments.message(message)
        let key = try existingOrNewJob(rawID, caller: caller, host: host)
        let now = Clock.now()
        let composer = configuration.composer
        guard let event = registry.update(key, { $0.reportWarning(message: message, now: now, composer: composer) }) else { return 0 }
        return try notify(event, key: key, now: now).id
    }

    func completeJob(_ rawID: String, message: String) throws(TrainBellError) -> UInt64 {
        let id = try existingJob(rawID)
        let message = BusArguments.message(message)
        let now = Clock.now()
        let composer = configuration.composer
        let event = registry.update(id, { $0.complete(message: message, now: now, composer: composer) }) ?? nil
        defer {
            if let job = registry[id] { launcher.show(job, event: event) }
            changed(["ActiveJobs"])
        }
        guard let event else {
            registry.saveAndAnnounce(id)
            metrics.jobEnded(id)
            return 0
        }
        return try notify(event, key: id, now: now).id
    }

    func cancelJob(_ rawID: String) throws(TrainBellError) {
        let id = try existingJob(rawID)
        registry.update(id) { $0.cancel(now: Clock.now()) }
        notifier.forget(jobID: id)
        registry.saveAndAnnounce(id)
        metrics.jobEnded(id)
        if let job = registry[id] { launcher.show(job) }
        changed(["ActiveJobs"])
    }

    func setProgress(_ appID: String, value: Double) throws(TrainBellError) {
        _ = try BusArguments.appID(appID, argument: "app_id")
        guard value.isFinite, value == -1 || (0...1).contains(value) else {
            throw .invalidArgument("value \(value) is not accepted: 0.0 to 0.99 shows progress, 1.0 completes, -1 removes")
        }
        launcher.setProgress(appID: appID, value: value)
    }

    /// The id of job `rawID`, started (titled by its id) when unknown.
    func existingOrNewJob(_ rawID: String, caller: String, host: String = "") throws(TrainBellError) -> JobID {
        if let known = registry.knownID(rawID) { return known }
        let id = try BusArguments.jobID(rawID)
        var job = Job.start(id: id, title: id.rawValue, totalSteps: 0,
                            appID: appID(requested: nil, caller: caller, job: id),
                            milestones: configuration.milestones, now: Clock.now())
        job.host = host
        try registry.add(job)
        return id
    }

    /// The id of job `rawID`, which must be known: a malformed id and an unknown one are told apart.
    private func existingJob(_ rawID: String) throws(TrainBellError) -> JobID {
        if let known = registry.knownID(rawID) { return known }
        _ = try BusArguments.jobID(rawID)
        throw .unknownJob(BusArguments.printable(rawID))
    }

    /// Delivers `event` and saves and announces the job; the caller's reply (after this returns)
    /// follows every write, so nothing acknowledged can be lost.
    ///
    /// An error or a warning goes to the screen first: its `Notify` leaves before anything is
    /// written (the Notifier writes the record next, then the job is saved). A milestone or a
    /// completion is saved with the job first: the job row says it was shown, so a daemon killed
    /// just after the bubble never shows it again when it restarts.
    @discardableResult
    private func notify(_ event: NotificationEvent, key: JobID, now: Int64) throws(TrainBellError) -> NotificationRecord {
        guard let job = registry[key] else { throw .unknownJob(key.rawValue) }
        var event = event
        // A remote job says where it runs.
        if !job.host.isEmpty { event.message += (event.message.isEmpty ? "" : "\n") + "on \(job.host)" }
        // A completion tells how the loss went: a line of the body, and (unless turned off) its curve.
        if event.type == .completion, let curve = metrics.metrics(of: key).flatMap(LossCurve.init) {
            event = event.withLossCurve(curve, chart: configuration.lossChart ? LossChart() : nil)
        }
        let screenFirst = event.type == .error || event.type == .warning
        if !screenFirst { registry.saveAndAnnounce(key) }
        let record = notifier.deliver(event, jobID: key, appID: job.appID, icon: job.icon, now: now)
        if screenFirst { registry.saveAndAnnounce(key) }
        if registry[key]?.state != .running { metrics.jobEnded(key) }
        return record
    }

    /// The app whose dock icon shows a new job: the trainer's choice or the configured default; else
    /// the caller's own app. A job started by its first report gets its app when the background
    /// lookup answers.
    private func appID(requested: String?, caller: String, job: JobID, waitForCaller: Bool = false) -> String? {
        if let requested, !requested.isEmpty {
            // Kept (it may be installed later), but no dock shows an id without a desktop file.
            let check = callerApps.check(requested)
            if !check.installed {
                let hint = check.suggestions.isEmpty ? "" : "; did you mean \(check.suggestions.joined(separator: ", "))?"
                log.warning("job \(job): no desktop file is installed for app id '\(BusArguments.printable(requested))', so no dock shows its progress\(hint)")
            }
            return requested
        }
        if let configured = configuration.defaultAppID, !configured.isEmpty { return configured }
        return callerApps.app(of: caller, wait: waitForCaller) { [weak self] app in
            guard let self, let current = self.registry[job], current.appID == nil else { return }
            self.registry.update(job) { $0.appID = app }
            self.registry.saveAndAnnounce(job)
            if let updated = self.registry[job] { self.launcher.show(updated) }
        }
    }
}

extension BusInterface {
    /// `CheckAppId`: whether a dock can show `appID`, and the closest installed ids when not.
    func checkAppID(_ appID: String) throws(TrainBellError) -> AppIDCheck {
        _ = try BusArguments.appID(appID, argument: "app_id")
        let check = callerApps.check(appID)
        return AppIDCheck(installed: check.installed, suggestions: check.suggestions)
    }
}

extension BusInterface {
    /// Where the caller's jobs run: "" for a caller on the session bus; for a peer of trainbell's
    /// socket, the host it named (`IdentifyHost`), else "ssh".
    func host(of call: MethodCall) -> String {
        guard call.connection.isPeer else { return "" }
        return call.connection.peerTag ?? "ssh"
    }

    /// The desktop's id of the job a caller names: `HOST/ID` for a peer that named its host (so that
    /// two hosts' `run-1` stay two jobs), else the id as given.
    func jobID(_ rawID: String, _ call: MethodCall) -> String {
        guard call.connection.isPeer, let host = call.connection.peerTag, !rawID.hasPrefix(host + "/") else { return rawID }
        return host + "/" + rawID
    }

    /// `IdentifyHost`: a peer of trainbell's socket names the host its jobs run on.
    func identifyHost(_ host: String, _ call: MethodCall) throws(TrainBellError) {
        guard call.connection.isPeer else {
            throw .invalidArgument("IdentifyHost is for clients on trainbell's peer socket (a desktop forwarded to another machine); on the session bus jobs run here")
        }
        try BusArguments.checkHostName(host)
        call.connection.peerTag = host
    }
}

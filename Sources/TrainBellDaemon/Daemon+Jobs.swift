import DBus
import TrainBellCore

extension Daemon {
    /// Announcements of one job's properties are at least this far apart (~10 a second).
    static let announcementInterval: Int64 = 100_000

    func startJob(_ rawID: String, title: String, total: UInt64, options: OptionMap, caller: String) throws(TrainBellError) -> ObjectPath {
        let id = try BusArguments.jobID(rawID)
        guard total > 0 else {
            throw .invalidArgument("total_steps must be at least 1 (got 0); report progress with ReportProgress(id, step, total) when the total is not known yet")
        }
        var milestones = configuration.milestones
        if let values = try options.integers("milestones") {
            do { milestones = try MilestoneSet(values) } catch { throw TrainBellError.from(error, argument: "option 'milestones'") }
        }
        let appID = self.appID(requested: try options.string("app-id"), caller: caller, job: id.rawValue, waitForCaller: true)
        let icon = try options.string("icon")
        if jobs[id.rawValue] == nil { try makeRoomForJob() }
        let now = Clock.now()
        let job = Job.start(id: id, title: BusArguments.title(title), totalSteps: total, appID: appID,
                            icon: icon, milestones: milestones, now: now)
        notifier.forget(jobID: id.rawValue)
        jobs[id.rawValue] = job
        try save(job)
        if jobObjects[id.rawValue] == nil {
            exportJob(job)
        } else {
            announce(id.rawValue, immediately: true)
        }
        root.emitPropertiesChanged(Self.interface, ["ActiveJobs"])
        updateLauncher(for: id.rawValue)
        return JobObject.path(of: id)
    }

    func reportProgress(_ rawID: String, current: UInt64, total: UInt64, caller: String) throws(TrainBellError) {
        let key: String
        if jobs[rawID] != nil {
            key = rawID
        } else {
            // An unknown id starts a job titled by its id.
            let id = try BusArguments.jobID(rawID)
            key = id.rawValue
            try makeRoomForJob()
            let job = Job.start(id: id, title: id.rawValue, totalSteps: total, appID: appID(requested: nil, caller: caller, job: key),
                                milestones: configuration.milestones, now: Clock.now())
            jobs[key] = job
            try save(job)
            exportJob(job)
            root.emitPropertiesChanged(Self.interface, ["ActiveJobs"])
        }
        let now = Clock.now()
        let wasRunning = jobs[key]?.state == .running
        guard let event = jobs[key]?.reportProgress(current: current, total: total, now: now,
                                                    composer: configuration.composer) else {
            // The hot path: no notification; saved by the timer, announced at most ~10 times a second.
            unsavedJobs.insert(key)
            scheduleSave()
            announce(key)
            if !wasRunning && jobs[key]?.state == .running { root.emitPropertiesChanged(Self.interface, ["ActiveJobs"]) }
            updateLauncher(for: key)
            return
        }
        try notify(event, key: key, now: now)
        updateLauncher(for: key, event: event)
        if event.type == .completion { root.emitPropertiesChanged(Self.interface, ["ActiveJobs"]) }
    }

    func reportError(_ rawID: String, message: String, type: String, urgency: String, caller: String = "") throws(TrainBellError) -> UInt64 {
        let errorType = try BusArguments.errorType(type)
        let requested = try BusArguments.urgency(urgency)
        let message = BusArguments.message(message)
        let key = try existingOrNewJob(rawID, caller: caller)
        let now = Clock.now()
        guard let event = jobs[key]?.reportError(message: message, type: errorType, urgency: requested, now: now,
                                                 composer: configuration.composer) else { return 0 }
        let record = try notify(event, key: key, now: now)
        updateLauncher(for: key, event: event)
        root.emitPropertiesChanged(Self.interface, ["ActiveJobs"])
        return record.id
    }

    func reportWarning(_ rawID: String, message: String, caller: String = "") throws(TrainBellError) -> UInt64 {
        let message = BusArguments.message(message)
        let key = try existingOrNewJob(rawID, caller: caller)
        let now = Clock.now()
        guard let event = jobs[key]?.reportWarning(message: message, now: now, composer: configuration.composer) else { return 0 }
        return try notify(event, key: key, now: now).id
    }

    func completeJob(_ rawID: String, message: String) throws(TrainBellError) -> UInt64 {
        _ = try BusArguments.jobID(rawID)
        let message = BusArguments.message(message)
        guard jobs[rawID] != nil else { throw .unknownJob(BusArguments.printable(rawID)) }
        let now = Clock.now()
        let event = jobs[rawID]?.complete(message: message, now: now, composer: configuration.composer)
        defer { root.emitPropertiesChanged(Self.interface, ["ActiveJobs"]) }
        defer { updateLauncher(for: rawID, event: event) }
        guard let event else {
            try saveAndAnnounce(rawID)
            return 0
        }
        return try notify(event, key: rawID, now: now).id
    }

    func cancelJob(_ rawID: String) throws(TrainBellError) {
        _ = try BusArguments.jobID(rawID)
        guard jobs[rawID] != nil else { throw .unknownJob(BusArguments.printable(rawID)) }
        jobs[rawID]?.cancel(now: Clock.now())
        notifier.forget(jobID: rawID)
        try saveAndAnnounce(rawID)
        updateLauncher(for: rawID)
        root.emitPropertiesChanged(Self.interface, ["ActiveJobs"])
    }

    func setProgress(_ appID: String, value: Double) throws(TrainBellError) {
        guard !appID.isEmpty, appID.utf8.count <= 255, !appID.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .invalidArgument("app_id '\(BusArguments.printable(appID))' is not accepted: a desktop entry id such as org.gnome.Terminal (with or without .desktop), at most 255 bytes")
        }
        guard value.isFinite, value == -1 || (0...1).contains(value) else {
            throw .invalidArgument("value \(value) is not accepted: 0.0 to 0.99 shows progress, 1.0 completes, -1 removes")
        }
        setLauncherProgress(appID: appID, value: value)
    }

    /// The key of job `rawID`, started (titled by its id) when unknown.
    private func existingOrNewJob(_ rawID: String, caller: String) throws(TrainBellError) -> String {
        if jobs[rawID] != nil { return rawID }
        let id = try BusArguments.jobID(rawID)
        try makeRoomForJob()
        let job = Job.start(id: id, title: id.rawValue, totalSteps: 0, appID: appID(requested: nil, caller: caller, job: id.rawValue),
                            milestones: configuration.milestones, now: Clock.now())
        jobs[id.rawValue] = job
        try save(job)
        exportJob(job)
        return id.rawValue
    }

    /// Saves the job (its milestones are in the record before the notification goes out), then delivers.
    @discardableResult
    private func notify(_ event: NotificationEvent, key: String, now: Int64) throws(TrainBellError) -> NotificationRecord {
        guard let job = jobs[key] else { throw .unknownJob(key) }
        // A failed save (the job is retried by the save timer) must not keep the notification back.
        do {
            try saveAndAnnounce(key)
        } catch {
            unsavedJobs.insert(key)
            scheduleSave()
        }
        do {
            return try notifier.deliver(event, jobID: key, appID: job.appID, icon: job.icon, now: now)
        } catch {
            log.error("cannot deliver a notification of job \(key): \(error)")
            throw .failed("the notification could not be delivered: \(error)")
        }
    }

    func saveAndAnnounce(_ key: String) throws(TrainBellError) {
        if let job = jobs[key] { try save(job) }
        announce(key, immediately: true)
    }

    func save(_ job: Job) throws(TrainBellError) {
        do {
            try history.save(job)
            unsavedJobs.remove(job.id.rawValue)
        } catch {
            log.error("cannot save job \(job.id): \(error)")
            throw .failed("the job state could not be saved: \(error)")
        }
    }

    /// Saves jobs whose progress changed, at most once a second: progress may arrive every step.
    func scheduleSave() {
        guard saveTimer == nil else { return }
        saveTimer = loop.addTimeout(milliseconds: 1_000) { [weak self] in
            self?.saveTimer = nil
            self?.saveUnsavedJobs()
            return false
        }
    }

    /// Saves what changed; what fails stays marked and is tried again.
    func saveUnsavedJobs() {
        for key in unsavedJobs.sorted() {
            guard let job = jobs[key] else { unsavedJobs.remove(key); continue }
            _ = try? save(job)
        }
        if !unsavedJobs.isEmpty { scheduleSave() }
    }

    func restoreJobs() {
        do {
            for job in try history.jobs() { jobs[job.id.rawValue] = job }
            if !jobs.isEmpty { log.info("restored \(jobs.count) jobs from the history") }
        } catch {
            log.error("cannot restore jobs from the history: \(error)")
        }
    }

    func exportJob(_ job: Job) {
        let key = job.id.rawValue
        let object = ExportedObject(path: JobObject.path(of: job.id), interfaces: [
            JobObject.table { [weak self] in self?.jobs[key] },
        ])
        jobObjects[key] = object
        connection.export(object)
    }

    /// PropertiesChanged of a job, at most ~10 a second, the last state always announced.
    func announce(_ key: String, immediately: Bool = false) {
        let now = Clock.now()
        let last = lastJobAnnouncement[key] ?? 0
        if immediately || now - last >= Self.announcementInterval {
            pendingJobAnnouncement.removeValue(forKey: key)?.cancel()
            lastJobAnnouncement[key] = now
            jobObjects[key]?.emitPropertiesChanged(JobObject.interface, JobObject.propertyNames)
            return
        }
        guard pendingJobAnnouncement[key] == nil else { return }
        let wait = UInt32(clamping: max(1, (Self.announcementInterval - (now - last)) / 1_000))
        pendingJobAnnouncement[key] = loop.addTimeout(milliseconds: wait) { [weak self] in
            self?.pendingJobAnnouncement.removeValue(forKey: key)
            self?.announce(key, immediately: true)
            return false
        }
    }
}

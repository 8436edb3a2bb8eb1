import DBus
import DBusGLib
import Logging
import TrainBellCore

/// The jobs the daemon knows: their state, their bus objects, their saving to the history and the
/// pacing of their `PropertiesChanged`.
///
/// A job and its object exist whether or not the history took it (a full disk): a failed save is
/// logged, and the save timer tries again. Progress, which may come every training step, is saved by
/// that timer (at most once a second) and announced at most ~10 times a second, the last state always.
final class JobRegistry {
    /// Announcements of one job's properties are at least this far apart (µs).
    static let announcementInterval: Int64 = 100_000
    /// And about this many a second in all, however many jobs report (a thousand busy jobs are
    /// announced about once a second each), after a first burst of this many.
    static let announcementsPerSecond = 1_000.0
    /// Jobs kept in memory (and exported) at most; ended ones go first.
    static let maximumJobs = 10_000
    /// Ended jobs are forgotten (their history stays) a day after their last change.
    static let endedJobLifetime: Int64 = 86_400_000_000

    private let connection: Connection
    private let loop: MainLoop
    private let history: HistoryStore
    private let log: Logger

    private var jobs: [JobID: Job] = [:]
    private var objects: [JobID: ExportedObject] = [:]
    /// Jobs changed since they were last saved.
    private var unsaved: Set<JobID> = []
    private var saveTimer: EventSource?
    /// Each job as last announced: the next announcement carries what changed since.
    private var announced: [JobID: Job] = [:]
    private var pacer = AnnouncementPacer<JobID>(interval: JobRegistry.announcementInterval,
                                                  perSecond: JobRegistry.announcementsPerSecond,
                                                  burst: JobRegistry.announcementsPerSecond)
    private var announcementTimer: EventSource?

    /// Called with the id of every job forgotten, so the others forget it too.
    var onForget: ((JobID) -> Void)?

    init(connection: Connection, loop: MainLoop, history: HistoryStore, log: Logger) {
        self.connection = connection
        self.loop = loop
        self.history = history
        self.log = log
    }

    subscript(id: JobID) -> Job? { jobs[id] }

    /// The id of the job whose id reads `text`, if there is one: found without validating `text`
    /// again (every id in the table was validated when its job started), so the hot path of a
    /// known job costs one look-up.
    func knownID(_ text: String) -> JobID? {
        let probe = JobID(trusted: text)
        return jobs[probe] == nil ? nil : probe
    }

    var count: Int { jobs.count }
    var runningCount: Int { jobs.values.reduce(0) { $0 + ($1.state == .running ? 1 : 0) } }

    /// Jobs saved by an earlier run, exported again (after `restore`, before the name is taken).
    func restore() {
        do {
            for job in try history.jobs() { jobs[job.id] = job }
            if !jobs.isEmpty { log.info("restored \(jobs.count) jobs from the history") }
        } catch {
            log.error("cannot restore jobs from the history: \(error)")
        }
        for key in jobs.keys.sorted() where objects[key] == nil { export(key) }
    }

    /// Adds or replaces `job` (a new run), saves it and exports or announces it.
    func add(_ job: Job) throws(TrainBellError) {
        let key = job.id
        if jobs[key] == nil { try makeRoom() }
        jobs[key] = job
        save(key)
        if objects[key] == nil {
            export(key)
        } else {
            announce(key, immediately: true)
        }
    }

    /// Changes job `key` in place; nil when there is no such job.
    @discardableResult
    func update<Result>(_ key: JobID, _ change: (inout Job) -> Result) -> Result? {
        // One hash look-up, and the job changed where it is stored (no copy out and back).
        guard let index = jobs.index(forKey: key) else { return nil }
        return change(&jobs.values[index])
    }

    /// Saves job `key` now and announces it at once: before a notification of it goes out.
    func saveAndAnnounce(_ key: JobID) {
        save(key)
        announce(key, immediately: true)
    }

    /// Marks job `key` changed: saved by the timer, announced at most ~10 times a second (the hot path).
    func changed(_ key: JobID) {
        unsaved.insert(key)
        scheduleSave()
        announce(key)
    }

    /// Saves what changed; what fails stays marked and is tried again.
    func saveUnsaved() {
        for key in unsaved.sorted() { save(key) }
        if !unsaved.isEmpty { scheduleSave() }
    }

    /// Forgets ended jobs last changed before `cutoff` (they stay in the history): unexported, and
    /// every table of theirs cleared, so a trainer that makes millions of ids cannot grow the daemon.
    func forgetEnded(olderThan cutoff: Int64) {
        let ended = jobs.values.filter { $0.state != .running && $0.updatedAt < cutoff }.map(\.id)
        guard !ended.isEmpty else { return }
        saveUnsaved()
        for key in ended {
            jobs.removeValue(forKey: key)
            unsaved.remove(key)
            if let object = objects.removeValue(forKey: key) { connection.unexport(object.path) }
            announced.removeValue(forKey: key)
            pacer.forget(key)
            onForget?(key)
        }
        log.debug("forgot \(ended.count) ended jobs (their history stays)")
    }

    /// Room for one more job, or a clear error.
    private func makeRoom() throws(TrainBellError) {
        guard jobs.count >= Self.maximumJobs else { return }
        forgetEnded(olderThan: Int64.max)
        guard jobs.count >= Self.maximumJobs else { return }
        throw .limitsExceeded("\(jobs.count) jobs are running, the most trainbelld keeps; end some with CompleteJob or CancelJob")
    }

    /// Saves job `key`; when the history cannot, the job lives on and the timer tries again.
    private func save(_ key: JobID) {
        guard let job = jobs[key] else {
            unsaved.remove(key)
            return
        }
        do {
            try history.save(job)
            unsaved.remove(key)
        } catch {
            if !unsaved.contains(key) { log.error("cannot save job \(job.id): \(error); kept in memory, tried again") }
            unsaved.insert(key)
            scheduleSave()
        }
    }

    private func scheduleSave() {
        guard saveTimer == nil else { return }
        saveTimer = loop.addTimeout(milliseconds: 1_000) { [weak self] in
            self?.saveTimer = nil
            self?.saveUnsaved()
            return false
        }
    }

    private func export(_ key: JobID) {
        guard let job = jobs[key] else { return }
        let object = ExportedObject(path: JobObject.path(of: job.id), interfaces: [
            JobObject.table { [weak self] in self?.jobs[key] },
        ])
        objects[key] = object
        connection.export(object)
        // What a client reads from now on (GetAll, InterfacesAdded): later announcements say what changed
        // since. Not an announcement: the next one may go out at once.
        announced[key] = job
    }

    /// PropertiesChanged of a job, paced (`AnnouncementPacer`): at most ~10 a second per job and
    /// ~1,000 a second in all, the last state always announced, carrying only the properties that
    /// changed since the last one.
    private func announce(_ key: JobID, immediately: Bool = false) {
        let now = Clock.now()
        if immediately {
            pacer.forced(key, now: now)
            emitChanges(key)
        } else if pacer.changed(key, now: now) {
            emitChanges(key)
        } else {
            scheduleAnnouncements(now: now)
        }
    }

    private func emitChanges(_ key: JobID) {
        guard let job = jobs[key] else { return }
        let names = JobObject.changedProperties(from: announced[key], to: job)
        announced[key] = job
        if !names.isEmpty { objects[key]?.emitPropertiesChanged(JobObject.interface, names) }
    }

    /// The one timer, due when the first waiting job's turn comes.
    private func scheduleAnnouncements(now: Int64) {
        guard announcementTimer == nil, let due = pacer.nextDue() else { return }
        let wait = UInt32(clamping: max(1, (due - now + 999) / 1_000))
        announcementTimer = loop.addTimeout(milliseconds: wait) { [weak self] in
            guard let self else { return false }
            self.announcementTimer = nil
            let now = Clock.now()
            for key in self.pacer.due(now: now) { self.emitChanges(key) }
            self.scheduleAnnouncements(now: now)
            return false
        }
    }
}

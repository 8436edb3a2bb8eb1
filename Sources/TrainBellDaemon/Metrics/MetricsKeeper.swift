import DBus
import DBusGLib
import Logging
import TrainBellCore

/// The jobs' metrics (`ReportMetrics`, `GetMetrics`): a downsampled series per job and name
/// (``JobMetrics``), in memory while the daemon knows the job, saved to the history by a timer when
/// changed, at once when the job ends, and at shutdown — never per report, so the hot path costs a
/// look-up and an append per metric. A job not in memory (after a restart, or forgotten after a
/// day) is read back from the history when it is next asked for or reported to.
final class MetricsKeeper {
    /// Changed series are saved at most this often (ms).
    static let saveInterval: UInt32 = 5_000

    private let loop: MainLoop
    private let history: HistoryStore
    private let log: Logger

    private var jobs: [JobID: JobMetrics] = [:]
    /// The divergence rules of each job's run (``LossWatch``).
    private var watches: [JobID: LossWatch] = [:]
    /// `[metrics] loss-jump-factor` and `loss-jump-window`, for the runs that start from now on.
    var lossJump = (factor: LossWatch.defaultFactor, window: LossWatch.defaultWindow)
    /// Jobs whose metrics changed since they were last saved.
    private var unsaved: Set<JobID> = []
    private var saveTimer: EventSource?

    init(loop: MainLoop, history: HistoryStore, log: Logger) {
        self.loop = loop
        self.history = history
        self.log = log
    }

    /// Takes one report of job `key`; returns what the divergence rules found in it. A report that
    /// would give the job too many names is refused.
    func record(_ report: MetricReport, job key: JobID) throws(ValidationError) -> [LossWatch.Finding] {
        if jobs[key] == nil { jobs[key] = load(key) }
        try jobs[key, default: JobMetrics()].record(report)
        if unsaved.insert(key).inserted { scheduleSave() }
        return watches[key, default: LossWatch(factor: lossJump.factor, window: lossJump.window)].observe(report)
    }

    /// The trainer reported a `loss_divergence` of job `key` itself: the rule does not repeat it this run.
    func noteReportedDivergence(_ key: JobID) {
        watches[key, default: LossWatch(factor: lossJump.factor, window: lossJump.window)].noteReportedDivergence()
    }

    /// The rows of job `key`, oldest first; nil when nothing was ever reported for it.
    func rows(of key: JobID) -> [MetricRow]? {
        if let metrics = jobs[key] { return metrics.rows }
        let stored = load(key)
        return stored.series.isEmpty ? nil : stored.rows
    }

    /// The metrics of job `key`, nil when nothing was ever reported for it.
    func metrics(of key: JobID) -> JobMetrics? {
        if let metrics = jobs[key] { return metrics }
        let stored = load(key)
        return stored.series.isEmpty ? nil : stored
    }

    /// A new run of job `key`: its metrics start over, in memory and in the history.
    func startOver(_ key: JobID) {
        jobs.removeValue(forKey: key)
        watches.removeValue(forKey: key)
        unsaved.remove(key)
        do { try history.deleteMetrics(ofJob: key) } catch { log.error("\(error)") }
    }

    /// Job `key` ended: its metrics are saved now.
    func jobEnded(_ key: JobID) {
        if unsaved.contains(key) { save(key) }
    }

    /// The daemon forgets job `key`: its metrics are saved and leave memory (the history keeps them).
    func forget(_ key: JobID) {
        watches.removeValue(forKey: key)
        if unsaved.contains(key) { save(key) }
        if !unsaved.contains(key) { jobs.removeValue(forKey: key) }
    }

    /// Saves what changed; what fails stays marked and is tried again.
    func saveUnsaved() {
        for key in unsaved.sorted() { save(key) }
        if !unsaved.isEmpty { scheduleSave() }
    }

    private func load(_ key: JobID) -> JobMetrics {
        do {
            let (series, unreadable) = try history.metrics(ofJob: key)
            if !unreadable.isEmpty {
                log.error("job \(key): the stored metrics \(unreadable.joined(separator: ", ")) cannot be read; they start over")
            }
            return JobMetrics(series: series)
        } catch {
            log.error("\(error); the metrics of job \(key) start over")
            return JobMetrics()
        }
    }

    private func save(_ key: JobID) {
        guard let metrics = jobs[key] else {
            unsaved.remove(key)
            return
        }
        do {
            try history.saveMetrics(metrics.series.map { ($0.key, $0.value) }, ofJob: key)
            unsaved.remove(key)
        } catch {
            log.error("cannot save the metrics of job \(key): \(error); kept in memory, tried again")
            scheduleSave()
        }
    }

    private func scheduleSave() {
        guard saveTimer == nil else { return }
        saveTimer = loop.addTimeout(milliseconds: Self.saveInterval) { [weak self] in
            self?.saveTimer = nil
            self?.saveUnsaved()
            return false
        }
    }
}

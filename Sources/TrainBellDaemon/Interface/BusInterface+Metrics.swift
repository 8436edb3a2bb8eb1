import TrainBellAPI
import TrainBellCore

extension BusInterface {
    /// `ReportMetrics`: checked (names, count), then appended to the job's series; an unknown id
    /// starts a job titled by its id, as `ReportProgress` does. Nothing is written here: the keeper
    /// saves on its timer.
    func reportMetrics(_ rawID: String, step: UInt64, metrics values: [String: Double], caller: String, host: String = "") throws(TrainBellError) {
        let report: MetricReport
        do {
            report = try MetricReport(step: step, values: values.map { ($0.key, $0.value) })
        } catch {
            throw TrainBellError.from(error, argument: "argument 'metrics'")
        }
        let isNew = registry.knownID(rawID) == nil
        let key = try existingOrNewJob(rawID, caller: caller, host: host)
        if isNew { changed(["ActiveJobs"]) }
        if registry[key]?.state == .running { stalls.updated(key, at: Clock.now()) }
        let findings: [LossWatch.Finding]
        do {
            findings = try metrics.record(report, job: key)
        } catch {
            throw TrainBellError.limitsExceeded("job '\(key)': \(error.message)")
        }
        // The divergence rules, for every client: as if the trainer had reported them.
        for finding in findings {
            switch finding {
            case .divergence(let message):
                _ = try reportError(key.rawValue, message: message, type: "loss_divergence", urgency: "", caller: caller)
            case .jump(let message):
                _ = try reportWarning(key.rawValue, message: message, caller: caller)
            }
        }
    }

    /// `GetMetrics`: the rows of a job the daemon saw (also before a restart), oldest first.
    func getMetrics(_ rawID: String) throws(TrainBellError) -> [MetricsRow] {
        let key: JobID
        if let known = registry.knownID(rawID) { key = known } else { key = try BusArguments.jobID(rawID) }
        guard let rows = metrics.rows(of: key) else {
            if registry[key] != nil { return [] }
            throw .unknownJob(BusArguments.printable(rawID))
        }
        return rows.map { row in
            var values: [String: Double] = [:]
            values.reserveCapacity(row.values.count)
            for (name, value) in row.values { values[name] = value }
            return MetricsRow(step: row.step, values: values)
        }
    }

    /// Job `key` went silent (``StallDetector``): one warning, and its dock icon urgent until it reports again.
    func stalled(_ key: JobID, warning text: String) {
        log.warning("job \(key): \(text)")
        do {
            _ = try reportWarning(key.rawValue, message: text)
        } catch {
            log.error("job \(key): the stall warning could not be given: \(error)")
        }
        if let job = registry[key] { launcher.showStalled(job) }
    }
}

import TrainBellCore

extension BusInterface {
    /// An event from the broker, fed to the same methods local callers use: its job is `HOST/JOB`
    /// with `Host` set, so Do Not Disturb, flood control, the history and the launcher apply
    /// unchanged. `away`: part of the broker's backlog, recorded for the digest instead of shown.
    /// What the daemon refuses (a bad job id, an unknown job's completion) is logged, never fatal.
    func remoteEvent(_ event: RemoteEvent, away: Bool) {
        notifier.holdsForAwayDigest = away
        defer { notifier.holdsForAwayDigest = false }
        let id = event.desktopID
        let host = event.host
        do throws(TrainBellError) {
            switch event.kind {
            case .start(let title, let total):
                _ = try startJob(id, title: title.isEmpty ? event.job : title, total: total, options: OptionMap([:]), caller: "", host: host)
            case .progress(let step, let total):
                // Progress and events travel on two topics: a late progress does not reopen an ended run.
                if let key = registry.knownID(id), let state = registry[key]?.state, state == .completed || state == .cancelled { return }
                try reportProgress(id, current: step, total: total, caller: "", host: host)
            case .metrics(let step, let values):
                try reportMetrics(id, step: step, metrics: values, caller: "", host: host)
            case .error(let message, let type, let urgency):
                _ = try reportError(id, message: message, type: type, urgency: urgency ?? "", caller: "", host: host)
            case .warning(let message):
                _ = try reportWarning(id, message: message, caller: "", host: host)
            case .complete(let message):
                if registry.knownID(id) == nil { _ = try existingOrNewJob(id, caller: "", host: host) }
                _ = try completeJob(id, message: message ?? "")
            case .cancel:
                try cancelJob(id)
            }
        } catch {
            log.warning("broker: event \(event.id) (\(event.kind.name)) of \(id) not taken: \(error)")
        }
    }

    /// The broker's backlog is over: its one digest.
    func awayDigest(_ digest: AwayDigest) {
        notifier.deliver(digest.event, jobID: nil, appID: nil, icon: nil, now: Clock.now())
    }

    /// Where a remote job runs (its host and its id there); nil for a local one.
    func remoteJob(_ jobID: String) -> (host: String, job: String)? {
        guard let key = registry.knownID(jobID), let job = registry[key], !job.host.isEmpty else { return nil }
        let prefix = job.host + "/"
        return (job.host, jobID.hasPrefix(prefix) ? String(jobID.dropFirst(prefix.count)) : jobID)
    }
}

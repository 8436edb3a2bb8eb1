extension Job {
    /// A new run of `id` (`StartJob`, or the first `ReportProgress` of an
    /// unknown id): running at step 0 with no milestone sent. An empty title
    /// becomes the id; an app id's `.desktop` suffix is removed and an empty
    /// one means none.
    public static func start(
        id: JobID,
        title: String,
        totalSteps: UInt64,
        appID: String? = nil,
        icon: String? = nil,
        milestones: MilestoneSet = .standard,
        now: Int64
    ) -> Job {
        Job(
            id: id,
            title: title.isEmpty ? id.rawValue : title,
            totalSteps: totalSteps,
            currentStep: 0,
            state: .running,
            appID: appID.flatMap(Self.normalizedAppID),
            icon: icon.flatMap { $0.isEmpty ? nil : $0 },
            lastError: nil,
            startedAt: now,
            updatedAt: now,
            milestones: MilestoneTracker(milestones: milestones))
    }

    /// Records progress (`ReportProgress`).
    ///
    /// `total` 0 keeps the known total; steps beyond the total count as the
    /// total. A failed run that reports progress is running again. Returns
    /// the notification of the highest milestone crossed for the first time
    /// (a completion when that is 100%, which also completes the run), or nil.
    /// Completed and cancelled runs are updated but notify nothing.
    public mutating func reportProgress(
        current: UInt64, total: UInt64 = 0, now: Int64, composer: EventComposer = .standard
    ) -> NotificationEvent? {
        if total > 0 {
            totalSteps = total
        }
        currentStep = totalSteps > 0 ? min(current, totalSteps) : current
        updatedAt = now
        guard !state.isEnded else { return nil }
        state = .running
        rate.record(step: currentStep, at: now)
        guard let crossing = milestones.update(current: currentStep, total: totalSteps) else {
            return nil
        }
        if crossing.isCompletion {
            state = .completed
            return composer.completionEvent(for: self)
        }
        return composer.milestoneEvent(for: self, milestone: crossing.milestone)
    }

    /// Records an error (`ReportError`): the run is failed and the message
    /// kept as ``lastError``. Always returns a notification: errors are never
    /// held back (flood control is ``ErrorCollapser``'s).
    ///
    /// - Parameter urgency: The urgency the trainer asked for; nil when it
    ///   left it to the error type.
    public mutating func reportError(
        message: String, type errorType: String, urgency: Urgency? = nil, now: Int64,
        composer: EventComposer = .standard
    ) -> NotificationEvent {
        state = .failed
        lastError = NotificationText.prefix(message, maxUTF8Bytes: Job.lastErrorLimit)
        updatedAt = now
        return composer.errorEvent(for: self, message: message, errorType: errorType, requested: urgency)
    }

    /// Records a warning (`ReportWarning`); the state does not change.
    public mutating func reportWarning(
        message: String, now: Int64, composer: EventComposer = .standard
    ) -> NotificationEvent {
        updatedAt = now
        return composer.warningEvent(for: self, message: message)
    }

    /// Ends the run (`CompleteJob`, e.g. early stopping).
    ///
    /// - Returns: The completion notification, or nil when the 100%
    ///   completion was already notified in this run (no duplicate).
    public mutating func complete(
        message: String = "", now: Int64, composer: EventComposer = .standard
    ) -> NotificationEvent? {
        state = .completed
        updatedAt = now
        guard milestones.complete() else { return nil }
        return composer.completionEvent(for: self, message: message)
    }

    /// Ends the run without a notification (`CancelJob`).
    public mutating func cancel(now: Int64) {
        state = .cancelled
        updatedAt = now
    }

    /// A desktop entry id without `.desktop`; nil when empty.
    static func normalizedAppID(_ appID: String) -> String? {
        let trimmed = String(appID.trimmingWhitespace)
        let id = AppID.stripping(trimmed)
        return id.isEmpty ? nil : id
    }
}

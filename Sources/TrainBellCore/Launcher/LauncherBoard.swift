/// The launcher icons of every app, kept from job and `SetProgress` events;
/// each change returns the ``LauncherUpdate``s to emit (the daemon passes
/// them through each app's ``LauncherCoalescer``).
///
/// A job belongs to the app its events name; a job whose app changes (a new
/// run with another `app-id`) leaves the old app's icon, and a job with no
/// app is on no icon. An app's icon is cleared explicitly (``LauncherUpdate/clear(appID:)``)
/// when its last entry goes, and then forgotten. Time is passed in; flash
/// deadlines come back as ``nextDeadline`` for the daemon's timer.
public struct LauncherBoard: Sendable, Hashable {
    /// How long a completion flashes by default: 5 s, in µs.
    public static let defaultFlashDuration: Int64 = 5_000_000

    /// How long a completion flashes, in µs.
    public var flashDuration: Int64

    private var states: [String: LauncherState] = [:]
    private var appOfJob: [JobID: String] = [:]

    /// An empty board.
    public init(flashDuration: Int64 = LauncherBoard.defaultFlashDuration) {
        self.flashDuration = flashDuration
    }

    /// A job runs at `fraction` of its steps (`StartJob`, `ReportProgress`,
    /// progress after an error). `appID` nil: the job is on no icon.
    public mutating func reportProgress(job: JobID, appID: String?, fraction: Double) -> [LauncherUpdate] {
        moving(job, to: appID) { $0.setProgress(fraction, for: .job(job)) }
    }

    /// A job reported an error: its app's icon is urgent.
    public mutating func reportError(job: JobID, appID: String?) -> [LauncherUpdate] {
        moving(job, to: appID) { $0.markFailed(.job(job)) }
    }

    /// A job completed (100% reached or `CompleteJob`): the flash, then the
    /// job leaves the icon at ``expire(now:)``. Call it when the completion
    /// is new, not for a job that was already complete.
    public mutating func complete(job: JobID, appID: String?, now: Int64) -> [LauncherUpdate] {
        moving(job, to: appID) { [flashDuration] in
            $0.complete(.job(job), now: now, flashDuration: flashDuration)
        }
    }

    /// A job was cancelled (or forgotten): it leaves its icon at once.
    public mutating func cancel(job: JobID) -> [LauncherUpdate] {
        guard let appID = appOfJob.removeValue(forKey: job) else { return [] }
        return changing(appID) { $0.remove(.job(job)) }
    }

    /// `SetProgress(app_id, value)`: a running value shows progress, the
    /// completion flashes and then goes, hidden removes the app's
    /// `SetProgress` state (its jobs stay).
    public mutating func setProgress(appID: String, value: TaskbarProgress, now: Int64) -> [LauncherUpdate] {
        guard let appID = Job.normalizedAppID(appID) else { return [] }
        return changing(appID) { [flashDuration] state in
            switch value {
            case .hidden: state.remove(.setProgress)
            case .running(let fraction): state.setProgress(fraction, for: .setProgress)
            case .completed: state.complete(.setProgress, now: now, flashDuration: flashDuration)
            }
        }
    }

    /// Ends the flashes due at `now` (the daemon's timer for
    /// ``nextDeadline`` fired).
    public mutating func expire(now: Int64) -> [LauncherUpdate] {
        let due = states.filter { $0.value.nextDeadline.map { $0 <= now } ?? false }.keys.sorted()
        return due.flatMap { appID in changing(appID) { $0.expire(now: now) } }
    }

    /// The earliest flash deadline of any app; nil when nothing flashes.
    public var nextDeadline: Int64? {
        states.values.compactMap(\.nextDeadline).min()
    }

    /// What an app's icon shows; ``LauncherEntryProperties/cleared`` for an
    /// app with nothing on it (the answer to `Query()` for it).
    public func properties(appID: String) -> LauncherEntryProperties {
        Job.normalizedAppID(appID).flatMap { states[$0]?.properties } ?? .cleared
    }

    /// Every app with something on its icon and what it shows (the full
    /// state for a dock that just appeared, and for `Query()`).
    public var allProperties: [String: LauncherEntryProperties] {
        states.mapValues(\.properties)
    }

    /// The ids of the apps with something on their icon, sorted.
    public var appIDs: [String] { states.keys.sorted() }

    /// The app a job's progress is on; nil when none.
    public func appID(of job: JobID) -> String? { appOfJob[job] }

    /// Puts `job` on `appID`'s icon (leaving any other app's icon first),
    /// then changes that icon.
    private mutating func moving(
        _ job: JobID, to appID: String?, _ change: (inout LauncherState) -> Void
    ) -> [LauncherUpdate] {
        let target = appID.flatMap(Job.normalizedAppID)
        var updates: [LauncherUpdate] = []
        if let previous = appOfJob[job], previous != target {
            appOfJob[job] = nil
            updates += changing(previous) { $0.remove(.job(job)) }
        }
        guard let target else { return updates }
        updates += changing(target, change)
        if states[target]?.contains(.job(job)) == true {
            appOfJob[job] = target
        } else {
            appOfJob[job] = nil
        }
        return updates
    }

    /// Applies `change` to an app's icon and says what a dock must be told.
    private mutating func changing(_ appID: String, _ change: (inout LauncherState) -> Void) -> [LauncherUpdate] {
        let existed = states[appID] != nil
        var state = states[appID] ?? LauncherState()
        let before = state.properties
        change(&state)
        // Jobs whose flash ended are on no icon any more.
        for (job, app) in appOfJob where app == appID && !state.contains(.job(job)) {
            appOfJob[job] = nil
        }
        if state.isEmpty {
            states[appID] = nil
            return existed ? [.clear(appID: appID)] : []
        }
        states[appID] = state
        let after = state.properties
        return after == before && existed ? [] : [.show(appID: appID, properties: after)]
    }
}

import DBus
import DBusGLib
import TrainBellCore

/// Stalls (issue 11): a running job silent for longer than its threshold (``StallWatch``) gets one
/// warning and an urgent launcher icon; when it reports again it clears, and a later silence warns
/// again. One timer serves every job, set for the earliest deadline; nothing polls, and while no job
/// runs there is no timer at all. A report costs a look-up and a store: the timer, when it fires
/// for a deadline that a job's later reports moved, only sets itself again.
final class StallDetector {
    private let loop: MainLoop
    private var watches: [JobID: StallWatch] = [:]
    private var timer: EventSource?

    /// `[progress] stall-minimum-seconds` (in microseconds here) and `stall-factor`; 0 turns stalls off.
    var minimum = StallWatch.defaultMinimum { didSet { rearm() } }
    var factor = StallWatch.defaultFactor { didSet { rearm() } }

    /// A job became stalled: its id and the warning's text ("no progress for 14 min (…)").
    var onStall: ((JobID, String) -> Void)?
    /// Whether a job still runs (an ended job is no longer watched).
    var isRunning: ((JobID) -> Bool)?
    /// A job's pace before the silence, seconds a step, for the warning.
    var secondsPerStep: ((JobID) -> Double?)?

    init(loop: MainLoop) {
        self.loop = loop
    }

    /// How many jobs are watched (for tests and the bench).
    var watchedCount: Int { watches.count }

    /// A new run of job `key` started at `now`: watched from scratch.
    func started(_ key: JobID, at now: Int64) {
        watches[key] = StallWatch(startedAt: now)
        if timer == nil { rearm() }
    }

    /// Job `key` reported (progress or metrics) at `now`. Returns true when it resumed after a warned stall.
    @discardableResult
    func updated(_ key: JobID, at now: Int64) -> Bool {
        guard let index = watches.index(forKey: key) else {
            started(key, at: now)
            return false
        }
        let resumed = watches.values[index].update(at: now)
        if resumed || timer == nil { rearm() }
        return resumed
    }

    /// Job `key` is gone or ended: no longer watched.
    func ended(_ key: JobID) {
        guard watches.removeValue(forKey: key) != nil else { return }
        if watches.isEmpty { rearm() }
    }

    /// Checks every job now (the timer fired); warns of those that just stalled, then sets the timer
    /// for the next deadline.
    func check(now: Int64) {
        timer = nil
        for key in watches.keys.sorted() {
            guard isRunning?(key) ?? true else {
                watches.removeValue(forKey: key)
                continue
            }
            let pace = secondsPerStep?(key)
            guard let index = watches.index(forKey: key),
                  let text = watches.values[index].check(now: now, minimum: minimum, factor: factor, secondsPerStep: pace)
            else { continue }
            onStall?(key, text)
        }
        rearm(now: now)
    }

    /// The earliest deadline of any watched job; nil when none has one.
    var nextDeadline: Int64? {
        watches.values.compactMap { $0.deadline(minimum: minimum, factor: factor) }.min()
    }

    private func rearm(now: Int64? = nil) {
        timer?.cancel()
        timer = nil
        guard let deadline = nextDeadline else { return }
        let now = now ?? Clock.now()
        // Second-granular: GLib batches such wake-ups; a deadline passed fires within a second.
        let seconds = deadline <= now ? 1 : min(UInt32(86_400), UInt32((deadline - now + 999_999) / 1_000_000))
        timer = loop.addTimeout(seconds: max(1, seconds)) { [weak self] in
            self?.check(now: Clock.now())
            return false
        }
    }
}

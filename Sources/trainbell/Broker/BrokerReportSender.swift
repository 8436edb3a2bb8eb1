import DBus
import Glibc
import Synchronization
import TrainBellCore

/// Where `trainbell run` sends its reports: trainbelld over D-Bus (``ReportSender``) or an MQTT
/// broker (``BrokerReportSender``). The output pump only pushes; neither ever makes it wait.
protocol RunReportSink: AnyObject {
    /// Connects (in the background) before the command starts.
    func start()
    /// Queues a report (never waits).
    func push(_ report: RunReport)
    /// Waits, boundedly, for the last reports to be taken.
    func finish()
}

extension ReportSender: RunReportSink {}

/// Sends the reports of `trainbell run --broker` to an MQTT broker from a thread of its own, as
/// ``ReportSender`` does to trainbelld: the pump queues reports in a ``RunReportQueue`` and wakes
/// the thread through a pipe; the thread connects, publishes them as events of schema v1 (progress
/// coalesced by ``ProgressCoalescer`` to one message a second, retained QoS 0 on the job's topic;
/// metrics merged and spaced by ``MetricsThrottle``; the rest QoS 1 on `B/events`), and polls the
/// connection. It also follows `B/actions/HOST/JOB`:
/// a click on the desktop is said on stderr (run acts on none, as over D-Bus). ``finish()`` waits at
/// most ``finalTimeout`` for the broker to acknowledge everything.
final class BrokerReportSender: RunReportSink, @unchecked Sendable {
    // @unchecked Sendable: `shared` is behind its Mutex; the client, the coalescer and the ids are
    // touched only on the sender thread; the pipes are written and read whole bytes at a time.

    /// How long `trainbell run` waits at its end for the broker to acknowledge the last reports.
    static let finalTimeout = 5.0 + BrokerClient.connectTimeout

    private struct Shared {
        var queue = RunReportQueue()
        var finishing = false
        var woken = false
    }

    private let shared = Mutex(Shared())
    private let job: String
    private let target: BrokerTarget
    private var coalescer = ProgressCoalescer()
    /// Metrics are QoS 1 events: merged and spaced so that they never fill the broker's queue.
    private var metrics = MetricsThrottle()
    /// Warnings published, and those left out past ``maximumWarnings``.
    private var warnings = 0
    private var warningsLeftOut = 0
    /// At most this many warnings of a run go to the broker (each is a QoS 1 message the broker keeps
    /// for an offline trainbelld, and its queue is bounded); one more says how many were left out.
    static let maximumWarnings = 100
    /// Reports taken from the queue and not published yet (the broker was lost meanwhile).
    private var taken: [RunReport] = []
    /// The pump writes a byte to wake the sender; the sender writes `done` when all was taken.
    private var wake: EventPipe?
    private var events: EventPipe?
    private static let done: UInt8 = 2

    init(job: String, target: BrokerTarget) {
        self.job = job
        self.target = target
    }

    func start() {
        guard let wake = EventPipe(nonBlocking: true), let events = EventPipe() else {
            printError("trainbell: notifications are off for this run (cannot create a pipe: \(String(cString: strerror(errno))))")
            return
        }
        // Set before the thread starts, which uses them.
        self.wake = wake
        self.events = events
        // SIGPIPE blocked too: a write to a closed connection fails with EPIPE on this thread, and
        // the command (which must not inherit an ignored SIGPIPE) keeps the default.
        if case .failure(let refusal) = BackgroundThread.start(alsoBlocked: [SIGPIPE], { [self] in run() }) {
            self.wake = nil
            self.events = nil
            wake.close()
            events.close()
            printError("trainbell: notifications are off for this run (cannot start a thread: \(refusal.message))")
        }
    }

    func push(_ report: RunReport) {
        let wakeUp = shared.withLock { state -> Bool in
            state.queue.push(report)
            defer { state.woken = true }
            return !state.woken
        }
        if wakeUp { wake?.signal() }
    }

    func finish() {
        guard let wake, let events else { return }
        shared.withLock { $0.finishing = true }
        wake.signal()
        if !events.wait(for: Self.done, seconds: Self.finalTimeout) {
            printError("trainbell: the broker \(target.url) did not take the last reports within \(Int(Self.finalTimeout)) s")
        }
    }

    // MARK: The sender thread

    private func run() {
        let publisher: BrokerPublisher
        do {
            try target.checkJob(job)
            publisher = try BrokerPublisher(target: target)
            publisher.client.onMessage = { [job] topic, payload in
                guard let action = RemoteAction.decode(payload), action.job == job else { return }
                printError("trainbell: the desktop chose '\(action.action)' for job \(job) (\(topic)); trainbell run does not act on it")
            }
            try publisher.client.subscribe(MQTTTopic.actions(target.url.base, host: target.host, job: job), qos: 1)
        } catch {
            printError("trainbell: notifications are off for this run (\(error.description)); the command runs as usual")
            drain()
            return
        }
        serve(publisher)
        publisher.client.disconnect()
        events?.signal(Self.done)
    }

    /// Publishes until the end; a lost broker is connected again (1 s, doubling to 30 s), the reports
    /// waiting in the queue meanwhile and what it had not acknowledged sent again (the desktop drops
    /// the duplicates by event id). At the end, a broker still away gets ``finalTimeout`` to return.
    private func serve(_ publisher: BrokerPublisher) {
        var backoff = 1.0
        var finishingSince: Double?
        while true {
            do {
                try loop(publisher)
                return
            } catch {
                printError("trainbell: \(error.description); the reports wait for it")
            }
            while true {
                let finishing = shared.withLock { $0.finishing }
                if finishing && finishingSince == nil { finishingSince = MonotonicClock.seconds }
                let left = finishingSince.map { Self.finalTimeout - 3 - (MonotonicClock.seconds - $0) } ?? .infinity
                guard left > 0 else {
                    let waiting = shared.withLock { $0.queue.count } + taken.count + publisher.client.unacknowledged.count
                    printError("trainbell: the broker \(target.url) did not come back; \(waiting) report(s) were not published")
                    return
                }
                sleep(seconds: min(backoff, left))
                backoff = min(backoff * 2, 30)
                // Once the run has ended, the attempt fits in what is left of its wait.
                if finishingSince == nil && shared.withLock({ $0.finishing }) { finishingSince = MonotonicClock.seconds }
                let remaining = finishingSince.map { Self.finalTimeout - 3 - (MonotonicClock.seconds - $0) } ?? BrokerClient.connectTimeout
                do {
                    try publisher.client.connect(again: true, timeout: min(BrokerClient.connectTimeout, max(0.5, remaining)))
                    try publisher.client.subscribe(MQTTTopic.actions(target.url.base, host: target.host, job: job), qos: 1)
                    printError("trainbell: the broker \(target.url) answers again")
                    backoff = 1
                    break
                } catch {
                    continue
                }
            }
        }
    }

    /// Waits `seconds`; pushes meanwhile only wait in the queue, and the end cuts it short.
    private func sleep(seconds: Double) {
        let deadline = MonotonicClock.seconds + seconds
        while true {
            let remaining = deadline - MonotonicClock.seconds
            guard remaining > 0 else { return }
            if wake?.drain(waitingAtMost: Int32(remaining * 1000) + 1) == true, shared.withLock({ $0.finishing }) { return }
        }
    }

    private func loop(_ publisher: BrokerPublisher) throws(BrokerFailure) {
        while true {
            let (reports, finishing) = shared.withLock { state in
                state.woken = false
                return (state.queue.popAll(), state.finishing)
            }
            taken += reports
            let now = Int64(MonotonicClock.nanoseconds / 1000)
            // One at a time: those not published when the broker is lost stay for the next connection.
            while let report = taken.first {
                try send(report, publisher, now: now)
                taken.removeFirst()
            }
            for due in coalescer.due(now: now) { try publisher.publish(due) }
            if let due = metrics.due(now: now) { try publisher.publish(publisher.event(job, .metrics(step: due.step, values: due.values))) }
            if finishing {
                if let last = coalescer.flush(job: job) { try publisher.publish(last) }
                try flushMetrics(publisher, now: now)
                try publisher.client.waitAcknowledged(timeout: 5)
                return
            }
            // Asleep until a push, the next coalesced progress, or libmosquitto's keep-alive.
            let next = [coalescer.nextDue, metrics.nextDue].compactMap { $0 }.min()
            let waitMicroseconds = next.map { max(0, $0 - now) } ?? 5_000_000
            if try publisher.client.step(milliseconds: Int32(min(waitMicroseconds, 5_000_000) / 1000) + 1, wake: wake?.readEnd ?? -1) {
                wake?.drain()
            }
        }
    }

    private func send(_ report: RunReport, _ publisher: BrokerPublisher, now: Int64) throws(BrokerFailure) {
        let kind: RemoteEvent.Kind
        switch report {
        case .start(let title, let total, _):
            kind = .start(title: title, total: total)
        case .progress(let current, let total):
            if let event = coalescer.report(publisher.event(job, .progress(step: current, total: total)), now: now) {
                try publisher.publish(event)
            }
            return
        case .metrics(let report):
            let values = Dictionary(report.values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            if let merged = metrics.report(step: report.step, values: values, now: now) {
                try publisher.publish(publisher.event(job, .metrics(step: merged.step, values: merged.values)))
            }
            return
        case .error(let message, let type):
            try flushMetrics(publisher, now: now)  // the numbers that led to it come first
            try sayWarningsLeftOut(publisher)
            kind = .error(message: message, type: type, urgency: nil)
        case .warning(let message):
            warnings += 1
            guard warnings <= Self.maximumWarnings else {
                warningsLeftOut += 1
                return
            }
            kind = .warning(message: message)
        case .complete(let message):
            _ = coalescer.flush(job: job)  // the end clears the job's progress
            try flushMetrics(publisher, now: now)
            try sayWarningsLeftOut(publisher)
            kind = .complete(message: message.isEmpty ? nil : message)
        case .cancel:
            _ = coalescer.flush(job: job)
            try flushMetrics(publisher, now: now)
            try sayWarningsLeftOut(publisher)
            kind = .cancel
        }
        try publisher.publish(publisher.event(job, kind))
    }

    private func sayWarningsLeftOut(_ publisher: BrokerPublisher) throws(BrokerFailure) {
        guard warningsLeftOut > 0 else { return }
        try publisher.publish(publisher.event(job, .warning(
            message: "\(warningsLeftOut) more warnings were left out (at most \(Self.maximumWarnings) a run go through the broker)")))
        warningsLeftOut = 0
    }

    private func flushMetrics(_ publisher: BrokerPublisher, now: Int64) throws(BrokerFailure) {
        if let kept = metrics.flush(now: now) { try publisher.publish(publisher.event(job, .metrics(step: kept.step, values: kept.values))) }
    }

    /// Reporting is off: what is queued, and what comes, is dropped; the end is still signalled.
    private func drain() {
        while true {
            let finishing = shared.withLock { state in
                _ = state.queue.popAll()
                state.woken = false
                return state.finishing
            }
            if finishing { break }
            wake?.drain(waitingAtMost: -1)
        }
        events?.signal(Self.done)
    }
}

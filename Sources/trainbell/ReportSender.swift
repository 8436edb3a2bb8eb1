import DBus
import Glibc
import Synchronization
import TrainBellAPI
import TrainBellCore

/// Sends the reports of `trainbell run` to trainbelld from a thread of its own, so that the output
/// pump never waits on the daemon: the pump only queues reports (``push(_:)``, a lock and a wake-up);
/// the sender thread runs a `PollLoop`, takes them in order from a ``RunReportQueue`` (progress
/// coalesced, errors and the end kept) and makes one asynchronous call at a time, each waiting at
/// most ``callTimeout`` for its answer. A daemon that is slow, stopped or hung only makes reports
/// wait in the queue; ``finish()`` waits at most ``finalTimeout`` for the last answers, then hands
/// what is left to the bus without waiting for replies (``handOverTimeout`` at most) and returns.
final class ReportSender: @unchecked Sendable {
    // @unchecked Sendable: `shared` is behind its Mutex; everything else is touched only on the
    // sender thread (the one that runs `loop`) once `start` has created it, except `events`, a
    // pipe both threads only read or write whole bytes of.

    /// How long one report waits for trainbelld's answer before the next goes out (it has reached
    /// the bus: trainbelld still gets it when it answers again).
    static let callTimeout = 25.0
    /// How long `trainbell run` waits at its end for trainbelld to answer the last reports.
    static let finalTimeout = 5.0
    /// How long it then waits for the bus to take what trainbelld has not answered.
    static let handOverTimeout = 1.0

    private struct Shared {
        var queue = RunReportQueue()
        var finishing = false
        /// Whether the sender thread found nothing to send and no call in flight: only then does a
        /// push wake it (while a call is in flight, its answer makes it take the next report).
        var senderIdle = false
    }

    private let shared = Mutex(Shared())
    private let loop = PollLoop()
    private let job: String
    private var connection: Connection?
    private var inFlight = false
    private var off = false
    private var unanswered = 0
    /// The sender thread writes `idle` when, finishing, nothing is left to send, and `done` once it
    /// has handed everything over.
    private var events: EventPipe?
    private static let idle: UInt8 = 1
    private static let done: UInt8 = 2

    init(job: String) {
        self.job = job
    }

    /// Starts the sender thread: it connects to the session bus and asks trainbelld for a ping,
    /// which starts it by D-Bus activation when it is installed and not running.
    func start() {
        guard let events = EventPipe() else {
            off = true
            printError("trainbell: notifications are off for this run (cannot create a pipe: \(String(cString: strerror(errno))))")
            return
        }
        self.events = events
        if case .failure(let refusal) = BackgroundThread.start({ [self] in run() }) {
            off = true
            self.events = nil
            events.close()
            printError("trainbell: notifications are off for this run (cannot start a thread: \(refusal.message))")
        }
    }

    /// Queues `report` (from the output pump: never waits on the daemon).
    func push(_ report: RunReport) {
        let wake = shared.withLock { state -> Bool in
            state.queue.push(report)
            defer { state.senderIdle = false }
            return state.senderIdle
        }
        if wake { loop.invoke { [self] in sendNext() } }
    }

    /// Waits at most ``finalTimeout`` for trainbelld to answer what is queued, then hands what is left
    /// to the bus (``handOverTimeout`` at most). Says on stderr when trainbelld did not answer in time.
    func finish() {
        guard let events else { return }
        shared.withLock { $0.finishing = true }
        loop.invoke { [self] in sendNext() }
        let answered = events.wait(for: Self.idle, seconds: Self.finalTimeout)
        loop.invoke { [self] in handOver() }
        let handedOver = events.wait(for: Self.done, seconds: Self.handOverTimeout)
        if !answered || !handedOver {
            let dropped = shared.withLock { $0.queue.droppedReports }
            let lost = dropped > 0 ? "; \(dropped) errors and warnings were left out while it did not answer" : ""
            printError("trainbell: trainbelld did not answer within \(Int(Self.finalTimeout)) s; the last reports were left to the bus, which delivers them when it answers again\(lost)")
        }
    }

    // MARK: The sender thread

    private func run() {
        do {
            let connection = try TrainBellAddress.connect()
            connection.attach(to: loop)
            self.connection = connection
            inFlight = true
            connection.callAsync(destination: Service.name, path: Service.path, interface: "org.freedesktop.DBus.Peer",
                                 member: "Ping", timeout: Self.callTimeout) { [self] result in answered(result) }
        } catch {
            turnOff("cannot reach the session bus: \(error.message)")
            sendNext()  // drops what was queued meanwhile, and waits idle for the next push
        }
        loop.run()
    }

    private func sendNext() {
        guard !inFlight else { return }
        guard let report = shared.withLock({ state -> RunReport? in
            let report = state.queue.pop()
            if report == nil { state.senderIdle = true }
            return report
        }) else {
            if shared.withLock({ $0.finishing }) { signal(Self.idle) }
            return
        }
        guard !off, let connection else {
            sendNext()  // reporting is off: the report is dropped
            return
        }
        let (member, arguments) = Self.call(for: report, job: job)
        inFlight = true
        connection.callAsync(destination: Service.name, path: Service.path, interface: Service.interface, member: member,
                             arguments, timeout: Self.callTimeout) { [self] result in answered(result) }
    }

    private func answered(_ result: Result<[DBusValue], BusError>) {
        inFlight = false
        if case .failure(let error) = result {
            switch error.name {
            case .noReply, .timeout:
                unanswered += 1  // it reached the bus; trainbelld gets it when it answers again
            case .serviceUnknown, .nameHasNoOwner, .disconnected:
                turnOff(Service.failure(error).message)
            default:
                if error.name.rawValue.hasPrefix("org.freedesktop.DBus.Error.Spawn.") {
                    turnOff(Service.failure(error).message)
                } else {
                    printError("trainbell: \(error.message)")  // one refused report does not end reporting
                }
            }
        }
        sendNext()
    }

    /// The end: what is still queued goes out without waiting for replies, then the bus gets at most
    /// ``handOverTimeout`` to take it.
    private func handOver() {
        let rest = shared.withLock { $0.queue.popAll() }
        if !off, let connection {
            for report in rest {
                let (member, arguments) = Self.call(for: report, job: job)
                try? connection.callNoReply(destination: Service.name, path: Service.path, interface: Service.interface,
                                            member: member, arguments)
            }
            if connection.flush(timeout: Self.handOverTimeout) { signal(Self.done) }
        } else {
            signal(Self.done)
        }
        loop.quit()
    }

    private func turnOff(_ reason: String) {
        guard !off else { return }
        off = true
        printError("trainbell: notifications are off for this run (\(reason)); the command runs as usual")
    }

    private func signal(_ event: UInt8) {
        events?.signal(event)
    }

    /// The D-Bus call of a report of job `job`, through the typed descriptors of `TrainBellAPI`.
    static func call(for report: RunReport, job: String) -> (MemberName, [DBusValue]) {
        switch report {
        case .start(let title, let total, let appID):
            let options: TrainBell1.Options = appID.map { ["app-id": .variant(.string($0))] } ?? [:]
            return (TrainBell1.startJob.name, TrainBell1.startJob.encode(job, clean(title), total, options))
        case .progress(let current, let total):
            return (TrainBell1.reportProgress.name, TrainBell1.reportProgress.encode(job, current, total))
        case .metrics(let report):
            let values = Dictionary(report.values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            return (TrainBell1.reportMetrics.name, TrainBell1.reportMetrics.encode(job, report.step, values))
        case .error(let message, let type):
            return (TrainBell1.reportError.name, TrainBell1.reportError.encode(job, clean(message), clean(type), ""))
        case .warning(let message):
            return (TrainBell1.reportWarning.name, TrainBell1.reportWarning.encode(job, clean(message)))
        case .complete(let message):
            return (TrainBell1.completeJob.name, TrainBell1.completeJob.encode(job, clean(message)))
        case .cancel:
            return (TrainBell1.cancelJob.name, TrainBell1.cancelJob.encode(job))
        }
    }

    /// Output may hold NUL bytes, which D-Bus strings cannot.
    static func clean(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(decoding: text.utf8.map { $0 == 0 ? 0x3F : $0 }, as: UTF8.self)
    }
}

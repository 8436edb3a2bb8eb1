import DBus
import Logging
import TrainBellCore
import TrainBellDesktop

/// Carries out the delivery decided by ``DeliveryQueue`` (TrainBellCore, pure): sends the `Notify`
/// calls and hands their answers back, appends each record to the history, writes and announces what
/// became of each record, answers `Send`. Every decision — in-place replacement, the wait for a reply
/// in flight, the queue for a server that is not there, collapsed errors, the origins of clicks — is
/// the queue's.
///
/// The bubble goes first: a new notification's `Notify` is sent as soon as it is decided (under a
/// record id reserved in the history), then its record is written, and only then is it announced
/// (`NotificationEmitted`) and the caller answered — so what the user waits for waits on no disk
/// write, and nothing is acknowledged before it is durable.
final class Notifier {
    let client: NotificationsClient
    let history: HistoryStore
    let log: Logger
    private(set) var queue: DeliveryQueue
    /// Re-reads DND sources whose change signals cannot be relied on, just before a decision.
    var beforeDecision: (() -> Void)?
    /// Called for every decided record (shown or not), and again when its delivery changes: `NotificationEmitted`.
    var onRecord: ((NotificationRecord) -> Void)?
    /// Called when a record was held back for the digest (a source without change signals must then
    /// be read again to notice the end of Do Not Disturb).
    var onHeld: (() -> Void)?
    /// Called when the server showed a bubble and plays no sound: the sound to play for it.
    var onSound: ((SoundCue, UInt32) -> Void)?
    /// The callers of `Send` waiting for the server's id.
    private var sendReplies: [DeliveryQueue.SendToken: (UInt32) -> Void] = [:]
    /// Reserved record ids whose append failed: announced as 0 (no record), as they name none.
    private var unrecorded: Set<UInt64> = []
    /// While a new record's `Notify` goes out before the record is written: answers that come back
    /// at once (a call that cannot even be sent) wait here, to be carried out after the write.
    private var deferredAnswers: [() -> Void]?

    init(client: NotificationsClient, history: HistoryStore, builder: NotificationRequestBuilder,
         collapseWindow: Int64, log: Logger) {
        self.client = client
        self.history = history
        self.queue = DeliveryQueue(builder: builder, collapser: ErrorCollapser(window: collapseWindow))
        self.log = log
    }

    var builder: NotificationRequestBuilder {
        get { queue.builder }
        set { queue.builder = newValue }
    }
    var collapser: ErrorCollapser {
        get { queue.collapser }
        set { queue.collapser = newValue }
    }
    var policy: DoNotDisturbPolicy {
        get { queue.policy }
        set { queue.policy = newValue }
    }
    var soundFallback: SoundFallback {
        get { queue.soundFallback }
        set { queue.soundFallback = newValue }
    }
    var doNotDisturb: DoNotDisturbStatus { queue.doNotDisturb }
    /// Whether records are held back for the digest.
    var holdsRecords: Bool { queue.holdsRecords }

    /// Where the bubble with server id `id` came from.
    func origin(of id: UInt32) -> DeliveryQueue.Origin? { queue.origin(of: id) }

    /// While true (set around the handling of one event of a broker's backlog): events are recorded
    /// `away-digest`, for the one digest that summarizes the backlog, and not sent on their own.
    var holdsForAwayDigest = false

    /// Decides, records and (when the policy says so) sends `event` of `job`. Returns the record
    /// (id 0 when the history could not keep it: the notification goes out all the same).
    @discardableResult
    func deliver(_ event: NotificationEvent, jobID: JobID?, appID: String?, icon: String?, now: Int64) -> NotificationRecord {
        beforeDecision?()
        // The queue and the history name no job with the empty id.
        let decided = queue.decide(event, jobID: jobID?.rawValue ?? "", appID: appID, icon: icon, now: now,
                                   awayDigest: holdsForAwayDigest && jobID != nil)
        return carryOut(decided)
    }

    /// The bubble first, then the record, then the rest (see the type's documentation).
    private func carryOut(_ decided: DeliveryQueue.Decided) -> NotificationRecord {
        let reserved: UInt64
        do {
            reserved = try history.reserveRecordID()
        } catch {
            log.error("cannot record a notification of job \(decided.record.jobID) in the history: \(error); it is delivered anyway")
            reserved = 0
        }
        let effects = queue.accept(decided, recordID: reserved)
        deferredAnswers = []
        execute(effects.filter(\.isNotify))
        var record = decided.record
        record.id = reserved
        if reserved != 0 { record = recorded(record) }
        let answers = deferredAnswers ?? []
        deferredAnswers = nil
        execute(effects.filter { !$0.isNotify })
        answers.forEach { $0() }
        return record
    }

    /// Sends a caller's own notification (`Send`): policy and history as for events, the request as
    /// given; `reply` gets the server's id (0 when it was not shown).
    func deliverCustom(_ event: NotificationEvent, request: NotificationRequest, jobID: JobID?, now: Int64,
                       sender: String? = nil, reply: @escaping (UInt32) -> Void) {
        beforeDecision?()
        let (decided, token) = queue.decideSend(event, request: request, jobID: jobID?.rawValue ?? "", sender: sender, now: now)
        sendReplies[token] = reply
        _ = carryOut(decided)
    }

    /// A server appeared (or a new one replaced the old, or none is left).
    func serverChanged(_ server: NotificationServer?) {
        execute(queue.serverChanged(server.map { DeliveryQueue.Server(hasBodyMarkup: $0.hasBodyMarkup, quirks: $0.quirks,
                                                                                playsSound: $0.playsSound) }))
    }

    /// Do Not Disturb changed; when a period that held something back ends, its digest goes out.
    /// Returns whether the status differs from before.
    @discardableResult
    func updateDoNotDisturb(_ status: DoNotDisturbStatus, now: Int64) -> Bool {
        let (changed, digest) = queue.doNotDisturbChanged(status)
        if let digest { deliver(digest, jobID: nil, appID: nil, icon: nil, now: now) }
        return changed
    }

    /// The server closed a notification: forget its id.
    func closed(_ id: UInt32) { queue.closed(id) }

    /// A job's run starts over or ends: its bubbles are no longer replaced, its errors no longer collapsed.
    func forget(jobID: JobID) { queue.forget(jobID: jobID.rawValue) }

    // MARK: Effects

    private func execute(_ effects: [DeliveryQueue.Effect]) {
        for effect in effects {
            switch effect {
            case .notify(let ticket, let request):
                client.notify(request) { [weak self] result in
                    guard let self else { return }
                    let answer = {
                        switch result {
                        case .success(let id): self.execute(self.queue.answered(ticket, serverID: id))
                        case .failure(let error): self.execute(self.queue.failed(ticket, reason: "\(error)"))
                        }
                    }
                    if self.deferredAnswers != nil { self.deferredAnswers?.append(answer) } else { answer() }
                }
            case .notifyUnanswered(let request):
                client.notify(request) { _ in }
            case .emit(let record):
                onRecord?(announced(record))
            case .recordDelivery(let record):
                updateDelivery(of: record)
                onRecord?(announced(record))
            case .held:
                onHeld?()
            case .answerSend(let token, let serverID):
                sendReplies.removeValue(forKey: token)?(serverID)
            case .refused(let jobID, let reason):
                log.warning("the notification server did not take a notification of job \(jobID): \(reason)")
            case .playSound(let sound, let notificationID):
                onSound?(sound, notificationID)
            }
        }
    }

    /// `record` as announced: with id 0 when its append failed.
    private func announced(_ record: NotificationRecord) -> NotificationRecord {
        guard unrecorded.contains(record.id) else { return record }
        var copy = record
        copy.id = 0
        return copy
    }

    /// Writes what became of `record` to the history (a record never recorded, id 0, has no row).
    private func updateDelivery(of record: NotificationRecord) {
        guard record.id != 0, !unrecorded.contains(record.id) else { return }
        do {
            try history.updateDelivery(recordID: record.id, delivery: record.delivery, serverID: record.serverID)
        } catch {
            log.error("cannot record the delivery of notification \(record.id): \(error)")
        }
    }

    /// Appends to the history; when that fails (a full disk, say) the notification still goes out,
    /// with id 0, and the failure is logged: the user learns of the error that matters most then.
    private func recorded(_ record: NotificationRecord) -> NotificationRecord {
        do {
            return try history.append(record, reservedID: record.id)
        } catch {
            log.error("cannot record a notification of job \(record.jobID) in the history: \(error); it is delivered anyway")
            // Bounded: only a history failing for long fills it, and an old id is then long gone.
            if unrecorded.count >= Self.maximumUnrecorded { unrecorded.removeAll() }
            unrecorded.insert(record.id)
            var unkept = record
            unkept.id = 0
            return unkept
        }
    }

    /// The most failed appends remembered (``announced(_:)``).
    static let maximumUnrecorded = 4_096
}

extension DeliveryQueue.Effect {
    /// Whether the effect sends a `Notify` (what goes out before the record is written).
    var isNotify: Bool {
        switch self {
        case .notify, .notifyUnanswered: true
        default: false
        }
    }
}

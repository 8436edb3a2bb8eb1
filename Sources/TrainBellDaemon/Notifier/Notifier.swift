import DBus
import Logging
import TrainBellCore
import TrainBellDesktop

/// Decides and delivers notifications: policy (DND, no server, flood control), history, the `Notify`
/// call, in-place replacement of a job's progress, the queue for a server that is not there yet, and
/// the mapping of the server's ids back to jobs for actions.
final class Notifier {
    /// Where a shown notification came from, to route the server's signals back.
    struct Origin {
        let jobID: String
        let recordID: UInt64
        /// The unique name that called `Send`, which gets the server's signals about it relayed.
        var sender: String? = nil
    }

    /// One notification waiting for a server.
    struct Pending {
        let record: NotificationRecord
        let appID: String?
        let icon: String?
        let repeatCount: Int
        /// Servers that died with it before answering: it is sent to one more at most, so a
        /// notification that kills a server cannot kill every server that follows.
        var lostWithServers = 0
    }

    let client: NotificationsClient
    let history: HistoryStore
    let log: Logger
    var builder: NotificationRequestBuilder
    var collapser: ErrorCollapser
    /// Do Not Disturb as policy: what is held back, and the digest when a period ends.
    var policy = DoNotDisturbPolicy()
    var doNotDisturb: DoNotDisturbStatus { policy.status }
    /// Re-reads DND sources whose change signals cannot be relied on, just before a decision.
    var beforeDecision: (() -> Void)?
    /// Called for every decided record (shown or not): `NotificationEmitted`.
    var onRecord: ((NotificationRecord) -> Void)?
    /// Called when a record was held back for the digest (a source without change signals must then
    /// be read again to notice the end of Do Not Disturb).
    var onHeld: (() -> Void)?

    private(set) var origins: [UInt32: Origin] = [:]
    /// The server id of each job's progress bubble, replaced in place.
    private var progressBubbles: [String: UInt32] = [:]
    /// Jobs whose progress `Notify` is in flight, with the requests waiting behind it in order
    /// (at most one per milestone, so few).
    private var inFlight: Set<String> = []
    private var waitingBehind: [String: [(NotificationRecord, NotificationRequest, Delivery, Pending?)]] = [:]
    /// Errors shown, by collapse key, to update their count in place.
    private var errorBubbles: [ErrorCollapser.Key: UInt32] = [:]
    private var queue: [Pending] = []
    /// Counts notification servers: an answer from a server that has since gone maps nothing.
    private var generation = 0
    /// Records waiting for a server at most (the oldest give way).
    static let maximumQueued = 1_000
    /// The longest message a record keeps in memory (queued, held for the digest): the full text is in
    /// the history, and a bubble shows far less; so the daemon's memory does not grow with the size
    /// of the messages it is sent.
    static let messageKeptInMemory = 4_096

    init(client: NotificationsClient, history: HistoryStore, builder: NotificationRequestBuilder,
         collapseWindow: Int64, log: Logger) {
        self.client = client
        self.history = history
        self.builder = builder
        self.collapser = ErrorCollapser(window: collapseWindow)
        self.log = log
    }

    /// Decides, records and (when the policy says so) sends `event` of `job`. Returns the record.
    @discardableResult
    func deliver(_ event: NotificationEvent, jobID: String, appID: String?, icon: String?, now: Int64) throws -> NotificationRecord {
        var repeatCount = 1
        var collapseKey: ErrorCollapser.Key?
        if event.type == .error {
            let key = ErrorCollapser.Key(jobID: jobID, errorType: event.errorType ?? "", message: event.message)
            collapseKey = key
            if case .collapse(let count, _) = collapser.decide(key, now: now) {
                repeatCount = count
                let record = recorded(NotificationRecord(id: 0, jobID: jobID, event: event, timestamp: now,
                                                                   delivery: .rateLimited, serverID: 0))
                onRecord?(record)
                // The error already on screen shows the new count.
                if let shown = errorBubbles[key], let server = client.server {
                    var request = builder.request(for: event, jobID: jobID, appID: appID, icon: icon,
                                                  bodyMarkup: server.hasBodyMarkup,
                                                  doNotDisturb: doNotDisturb.active, repeatCount: repeatCount,
                                                  quirks: server.quirks)
                    request.replacesID = shown
                    client.notify(request) { _ in }
                }
                return record
            }
        }

        beforeDecision?()
        let decision = policy.decide(event, serverPresent: client.server != nil)
        var record = recorded(NotificationRecord(id: 0, jobID: jobID, event: event, timestamp: now,
                                                           delivery: decision.delivery, serverID: 0))
        if decision.delivery == .suppressedDoNotDisturb { hold(record) }
        if decision.queueUntilServerAppears {
            queue.append(Pending(record: record.keepingInMemory, appID: appID, icon: icon, repeatCount: repeatCount))
            if queue.count > Self.maximumQueued { queue.removeFirst(queue.count - Self.maximumQueued) }
        }
        guard decision.sendNow, let server = client.server else {
            onRecord?(record)
            return record
        }
        let replaces = progressBubbles[jobID] ?? 0
        let request = builder.request(for: event, jobID: jobID, appID: appID, icon: icon, replacesID: replaces,
                                      bodyMarkup: server.hasBodyMarkup, doNotDisturb: doNotDisturb.active,
                                      repeatCount: repeatCount, quirks: server.quirks)
        let inPlace = event.type == .progress || event.type == .completion
        // Errors and completions a server took down with it (it died before answering) wait for the next.
        let retry = event.type == .error || event.type == .completion
            ? Pending(record: record.keepingInMemory, appID: appID, icon: icon, repeatCount: repeatCount) : nil
        if inPlace && inFlight.contains(jobID) {
            // Sent when the previous one's id is known, so it replaces it instead of stacking.
            waitingBehind[jobID, default: []].append((record, request, decision.delivery, retry))
            return record
        }
        send(request, record: record, delivery: decision.delivery, inPlace: inPlace, collapseKey: collapseKey, retry: retry)
        record.delivery = decision.delivery
        return record
    }

    private func send(_ request: NotificationRequest, record: NotificationRecord, delivery: Delivery, inPlace: Bool,
                      collapseKey: ErrorCollapser.Key?, retry: Pending?) {
        let jobID = record.jobID
        if inPlace { inFlight.insert(jobID) }
        let sentTo = generation
        client.notify(request) { [weak self] result in
            guard let self else { return }
            var updated = record
            let current = sentTo == self.generation
            switch result {
            case .success(let id):
                updated.serverID = id
                updated.delivery = delivery
                if current {
                    self.remember(id, Origin(jobID: jobID, recordID: record.id))
                    if inPlace { self.progressBubbles[jobID] = id }
                    if let collapseKey { self.errorBubbles[collapseKey] = id }
                }
            case .failure(let error):
                self.log.warning("the notification server did not take a notification of job \(jobID): \(error)")
                updated.delivery = .noServer
                if var retry, retry.lostWithServers == 0 {
                    retry.lostWithServers += 1
                    updated.delivery = .queued
                    self.requeue(retry, serverChanged: !current)
                }
            }
            self.updateDelivery(of: updated)
            self.onRecord?(updated)
            if inPlace && current {
                self.inFlight.remove(jobID)
                if var waiting = self.waitingBehind[jobID], !waiting.isEmpty {
                    let (next, nextRequest, nextDelivery, nextRetry) = waiting.removeFirst()
                    self.waitingBehind[jobID] = waiting.isEmpty ? nil : waiting
                    var request = nextRequest
                    request.replacesID = self.progressBubbles[jobID] ?? 0
                    self.send(request, record: next, delivery: nextDelivery, inPlace: true, collapseKey: nil, retry: nextRetry)
                }
            }
        }
    }

    /// A server appeared (or a new one replaced the old): ids of the old one mean nothing any more;
    /// what waited is delivered now, in order, once.
    func serverChanged(_ server: NotificationServer?) {
        generation += 1
        // Progress that waited behind a bubble of the old server is not shown now: it was superseded.
        origins = [:]
        progressBubbles = [:]
        errorBubbles = [:]
        inFlight = []
        waitingBehind = [:]
        guard let server else { return }
        deliverQueue(to: server)
    }

    /// What waited for a server, delivered to `server` in order, once.
    private func deliverQueue(to server: NotificationServer) {
        let waiting = queue
        queue = []
        for pending in waiting {
            // Decided again: Do Not Disturb may have come on while no server was there.
            var record = pending.record
            let decision = policy.decide(record.event, serverPresent: true)
            guard decision.sendNow else {
                record.delivery = decision.delivery
                updateDelivery(of: record)
                if decision.delivery == .suppressedDoNotDisturb { hold(record) }
                onRecord?(record)
                continue
            }
            let request = builder.request(for: record.event, jobID: record.jobID, appID: pending.appID, icon: pending.icon,
                                          bodyMarkup: server.hasBodyMarkup, doNotDisturb: doNotDisturb.active,
                                          repeatCount: pending.repeatCount, quirks: server.quirks)
            send(request, record: record, delivery: decision.delivery, inPlace: false, collapseKey: nil, retry: pending)
        }
    }

    /// Sends a caller's own notification (`Send`): policy and history as for events, the request as given.
    func deliverCustom(_ event: NotificationEvent, request: NotificationRequest, jobID: String, now: Int64,
                       sender: String? = nil, reply: @escaping (UInt32) -> Void) throws {
        beforeDecision?()
        let decision = policy.decide(event, serverPresent: client.server != nil)
        let record = recorded(NotificationRecord(id: 0, jobID: jobID, event: event, timestamp: now,
                                                           delivery: decision.delivery, serverID: 0))
        if decision.delivery == .suppressedDoNotDisturb { hold(record) }
        guard decision.sendNow else {
            onRecord?(record)
            reply(0)
            return
        }
        var wire = request
        if doNotDisturb.active && !event.respectsDoNotDisturb { wire.hints = wire.hints.map { $0.name == "urgency" ? ("urgency", .byte(2)) : $0 } }
        client.notify(wire) { [weak self] result in
            guard let self else { return }
            var updated = record
            if case .success(let id) = result {
                updated.serverID = id
                self.remember(id, Origin(jobID: jobID, recordID: record.id, sender: sender))
            } else {
                updated.delivery = .noServer
            }
            self.updateDelivery(of: updated)
            self.onRecord?(updated)
            reply(updated.serverID)
        }
    }

    /// Do Not Disturb changed; when a period that held something back ends, its digest goes out.
    /// Returns whether the status differs from before.
    @discardableResult
    func updateDoNotDisturb(_ status: DoNotDisturbStatus, now: Int64) -> Bool {
        guard status != policy.status else { return false }
        if let digest = policy.update(status) {
            do {
                try deliver(digest, jobID: "", appID: nil, icon: nil, now: now)
            } catch {
                log.error("cannot record the Do Not Disturb digest: \(error)")
            }
        }
        return true
    }

    /// A notification the server did not take waits for the next server; when a new one is already
    /// there (the failure came after it appeared), it goes out now. One that the same server refused
    /// is not sent to it again (it would refuse it again, and again).
    private func requeue(_ pending: Pending, serverChanged: Bool) {
        queue.append(pending)
        if queue.count > Self.maximumQueued { queue.removeFirst(queue.count - Self.maximumQueued) }
        if serverChanged, let server = client.server { deliverQueue(to: server) }
    }

    /// Holds `record` back for the digest.
    private func hold(_ record: NotificationRecord) {
        policy.held(record)
        onHeld?()
    }

    /// Writes what became of `record` to the history (a record never recorded, id 0, has no row).
    private func updateDelivery(of record: NotificationRecord) {
        guard record.id != 0 else { return }
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
            return try history.append(record)
        } catch {
            log.error("cannot record a notification of job \(record.jobID) in the history: \(error); it is delivered anyway")
            return record
        }
    }

    /// Notifications whose clicks are still routed at most: servers keep critical ones until the user
    /// closes them, and some never say so; the oldest are forgotten first.
    static let maximumOrigins = 4_096

    private func remember(_ id: UInt32, _ origin: Origin) {
        origins[id] = origin
        guard origins.count > Self.maximumOrigins else { return }
        let keep = Set(origins.sorted { $0.value.recordID > $1.value.recordID }.prefix(Self.maximumOrigins * 3 / 4).map(\.key))
        origins = origins.filter { keep.contains($0.key) }
        errorBubbles = errorBubbles.filter { keep.contains($0.value) }
    }

    /// The server closed a notification: forget its id.
    func closed(_ id: UInt32) {
        origins.removeValue(forKey: id)
        progressBubbles = progressBubbles.filter { $0.value != id }
        errorBubbles = errorBubbles.filter { $0.value != id }
    }

    /// Whether records are held back for the digest.
    var holdsRecords: Bool { !policy.heldRecordIDs.isEmpty }

    /// A job's run starts over or ends: its bubbles are no longer replaced, its errors no longer collapsed.
    func forget(jobID: String) {
        progressBubbles.removeValue(forKey: jobID)
        collapser.forget(jobID: jobID)
    }
}

extension NotificationRecord {
    /// The record as kept in memory while it waits: its message cut to `Notifier.messageKeptInMemory`
    /// bytes (the history has the full text; a bubble shows far less).
    fileprivate var keepingInMemory: NotificationRecord {
        var kept = self
        kept.event.message = NotificationText.prefix(event.message, maxUTF8Bytes: Notifier.messageKeptInMemory)
        return kept
    }
}

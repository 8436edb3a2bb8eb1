/// Delivery of notifications as a pure state machine (in the spirit of dunst's `queues.c`): events
/// come in — a notification to decide, the history id it was given, a `Notify` answered or failed, a
/// server appearing or vanishing, Do Not Disturb changing, a bubble closed — and effects go out, for
/// the daemon's `Notifier` to carry out: send a `Notify`, record what became of a notification,
/// announce it, answer a `Send`.
///
/// It owns what delivery must remember: each job's progress bubble (replaced in place), the reply
/// awaited for a job's progress before its next one goes (so it replaces instead of stacking), the
/// queue of errors and completions waiting for a server (each decided again, against the Do Not
/// Disturb of that moment, when it is sent), server generations (an answer from a server that has
/// gone maps nothing), identical errors collapsed with their count shown in place, the origin of
/// every bubble shown (for clicks), and the records held back for the digest.
///
/// A notification goes through two steps, because its record gets its id from the history, which
/// only the daemon can write: ``decide(_:jobID:appID:icon:now:)`` (or ``decideSend(_:request:jobID:sender:now:)``)
/// returns the ``Decided`` record; the daemon appends it to the history and hands it back with its id
/// to ``accept(_:recordID:)``, which returns the effects.
public struct DeliveryQueue: Sendable {
    /// What the queue needs to know of the notification server on the bus.
    public struct Server: Sendable, Hashable {
        public var hasBodyMarkup: Bool
        public var quirks: NotificationServerQuirks
        /// The server plays the sounds it is asked for (the `sound` capability): trainbelld plays none.
        public var playsSound: Bool
        public init(hasBodyMarkup: Bool, quirks: NotificationServerQuirks = .init(), playsSound: Bool = false) {
            self.hasBodyMarkup = hasBodyMarkup
            self.quirks = quirks
            self.playsSound = playsSound
        }
    }

    /// One `Notify` sent; its answer comes back to ``answered(_:serverID:)`` or ``failed(_:reason:)``.
    public struct Ticket: Sendable, Hashable, CustomStringConvertible {
        public let value: UInt64
        public var description: String { "#\(value)" }
    }

    /// One `Send` call, answered by an ``Effect/answerSend(_:serverID:)`` (0: not shown).
    public struct SendToken: Sendable, Hashable {
        public let value: UInt64
    }

    /// Where a bubble on screen came from, to route the server's signals about it.
    public struct Origin: Sendable, Hashable {
        public let jobID: String
        public let recordID: UInt64
        /// The unique name that called `Send`, which gets the server's signals about it relayed.
        public var sender: String?
    }

    /// What the daemon must do.
    public enum Effect: Sendable, Hashable {
        /// Send this `Notify`; report its answer with the ticket.
        case notify(Ticket, NotificationRequest)
        /// Send this `Notify` (a collapsed error's new count) and ignore its answer.
        case notifyUnanswered(NotificationRequest)
        /// The record was decided (or its delivery changed): announce it (`NotificationEmitted`).
        case emit(NotificationRecord)
        /// The record's delivery and server id changed: write them to the history, then announce it.
        case recordDelivery(NotificationRecord)
        /// A record was held back for the digest (a source without change signals must be read again).
        case held
        /// Answer a `Send` with the server's id (0 when it was not shown).
        case answerSend(SendToken, serverID: UInt32)
        /// The server did not take a notification of this job (for the log).
        case refused(jobID: String, reason: String)
        /// The server showed bubble `notificationID` and plays no sound: play this one (``SoundFallback``).
        case playSound(SoundCue, notificationID: UInt32)
    }

    /// A notification decided and not yet accepted: its record (the delivery decided, no id yet).
    public struct Decided: Sendable {
        public fileprivate(set) var record: NotificationRecord
        fileprivate let route: Route
    }

    /// What follows the decision of a notification.
    fileprivate enum Route: Sendable {
        /// An event of a job (or the digest): built into a request, replacing in place when it should.
        case event(Decision, appID: String?, icon: String?, repeatCount: Int, collapseKey: ErrorCollapser.Key?)
        /// An error identical to one shown within the window: recorded, its count updated on screen.
        case collapsed(ErrorCollapser.Key, count: Int, appID: String?, icon: String?)
        /// A caller's own notification (`Send`): the request as given.
        case send(Decision, NotificationRequest, sender: String?, token: SendToken)
    }

    fileprivate struct Decision: Sendable {
        var delivery: Delivery
        var sendNow: Bool
        var queue: Bool
    }

    /// A notification waiting for a server.
    struct Waiting: Sendable {
        var record: NotificationRecord
        var appID: String?
        var icon: String?
        var repeatCount: Int
        /// Servers that died with it before answering: it is sent to one more at most, so a
        /// notification that kills a server cannot kill every server that follows.
        var lostWithServers = 0
    }

    /// A `Notify` in flight.
    struct Sent: Sendable {
        var record: NotificationRecord
        var delivery: Delivery
        var inPlace: Bool
        var collapseKey: ErrorCollapser.Key?
        /// Errors and completions go to the next server if this one dies before answering.
        var retry: Waiting?
        var generation: Int
        var send: (sender: String?, token: SendToken)?
        /// What trainbelld plays once the server took it.
        var sound: SoundCue?
    }

    /// A job's progress request waiting for the answer about the one before it.
    struct Behind: Sendable {
        var record: NotificationRecord
        var request: NotificationRequest
        var retry: Waiting?
    }

    /// Records waiting for a server at most (the oldest give way).
    public static let maximumQueued = 1_000
    /// Pictures (a completion's loss chart, 64 KiB) kept by records waiting for a server at most: the
    /// older ones wait with their text only, so a long absence of a server costs ~1 MiB, not 64.
    public static let maximumQueuedPictures = 16
    /// Bubbles whose clicks are still routed at most (servers keep critical ones until the user
    /// closes them, and some never say so); the oldest are forgotten first.
    public static let maximumOrigins = 4_096
    /// The longest message a record keeps in memory while it waits (queued, held for the digest): the
    /// full text is in the history, and a bubble shows far less.
    public static let messageKeptInMemory = 4_096

    public var builder: NotificationRequestBuilder
    public var collapser: ErrorCollapser
    /// Do Not Disturb as policy: what is held back, and the digest when a period ends.
    public var policy = DoNotDisturbPolicy()
    /// Which sounds trainbelld plays itself, where the server plays none.
    public var soundFallback = SoundFallback()
    /// The notification server on the bus, nil while there is none.
    public private(set) var server: Server?

    private(set) var origins: [UInt32: Origin] = [:]
    /// The server id of each job's progress bubble, replaced in place.
    private(set) var progressBubbles: [String: UInt32] = [:]
    /// Jobs whose progress `Notify` is in flight, and what waits behind it, in order.
    private var inFlight: Set<String> = []
    private var behind: [String: [Behind]] = [:]
    /// Errors shown, by collapse key, to update their count in place.
    private var errorBubbles: [ErrorCollapser.Key: UInt32] = [:]
    private(set) var queue: [Waiting] = []
    private var sent: [Ticket: Sent] = [:]
    /// Counts servers: an answer from a server that has since gone maps nothing.
    private var generation = 0
    private var nextTicket: UInt64 = 1
    private var nextSendToken: UInt64 = 1

    public init(builder: NotificationRequestBuilder = .init(), collapser: ErrorCollapser = .init(), server: Server? = nil) {
        self.builder = builder
        self.collapser = collapser
        self.server = server
    }

    public var doNotDisturb: DoNotDisturbStatus { policy.status }
    /// Whether records are held back for the digest.
    public var holdsRecords: Bool { !policy.heldRecordIDs.isEmpty }
    /// Records waiting for a server.
    public var queuedCount: Int { queue.count }
    /// `Notify` calls not answered yet.
    public var inFlightCount: Int { sent.count }

    /// The origin of the bubble with server id `id`, while it is routed.
    public func origin(of id: UInt32) -> Origin? { origins[id] }

    // MARK: Deciding

    /// Decides `event` of job `jobID` (the empty id for the digest) now: collapsed into an identical
    /// error shown within the window, held for Do Not Disturb, queued or dropped without a server, or
    /// sent. Hand the record back, with the id the history gave it, to ``accept(_:recordID:)``.
    public mutating func decide(_ event: NotificationEvent, jobID: String, appID: String?, icon: String?,
                                now: Int64, awayDigest: Bool = false) -> Decided {
        // The broker's backlog: recorded, summarized by one digest, never sent on its own.
        if awayDigest {
            return Decided(record: Self.record(jobID, event, now, .awayDigest),
                           route: .event(Decision(delivery: .awayDigest, sendNow: false, queue: false), appID: appID, icon: icon,
                                         repeatCount: 1, collapseKey: nil))
        }
        var collapseKey: ErrorCollapser.Key?
        if event.type == .error {
            let key = ErrorCollapser.Key(jobID: jobID, errorType: event.errorType ?? "", message: event.message)
            collapseKey = key
            if case .collapse(let count, _) = collapser.decide(key, now: now) {
                return Decided(record: Self.record(jobID, event, now, .rateLimited),
                               route: .collapsed(key, count: count, appID: appID, icon: icon))
            }
        }
        let decision = decision(for: event)
        return Decided(record: Self.record(jobID, event, now, decision.delivery),
                       route: .event(decision, appID: appID, icon: icon, repeatCount: 1, collapseKey: collapseKey))
    }

    /// Decides a caller's own notification (`Send`): the policy as for events, the request as given.
    /// The effects of ``accept(_:recordID:)`` answer it through `token` once the server did.
    public mutating func decideSend(_ event: NotificationEvent, request: NotificationRequest, jobID: String,
                                    sender: String?, now: Int64) -> (decided: Decided, token: SendToken) {
        let token = SendToken(value: nextSendToken)
        nextSendToken &+= 1
        let decision = decision(for: event)
        return (Decided(record: Self.record(jobID, event, now, decision.delivery),
                        route: .send(decision, request, sender: sender, token: token)), token)
    }

    private func decision(for event: NotificationEvent) -> Decision {
        let decided = policy.decide(event, serverPresent: server != nil)
        return Decision(delivery: decided.delivery, sendNow: decided.sendNow, queue: decided.queueUntilServerAppears)
    }

    private static func record(_ jobID: String, _ event: NotificationEvent, _ now: Int64, _ delivery: Delivery) -> NotificationRecord {
        NotificationRecord(id: 0, jobID: jobID, event: event, timestamp: now, delivery: delivery, serverID: 0)
    }

    /// Carries out a decision once its record is in the history (`recordID` 0 when the history could
    /// not keep it: the notification goes out all the same).
    public mutating func accept(_ decided: Decided, recordID: UInt64) -> [Effect] {
        var record = decided.record
        record.id = recordID
        switch decided.route {
        case .collapsed(let key, let count, let appID, let icon):
            var effects: [Effect] = [.emit(record)]
            // The error already on screen shows the new count.
            if let shown = errorBubbles[key], let server {
                var request = request(for: record.event, jobID: record.jobID, appID: appID, icon: icon,
                                      repeatCount: count, server: server)
                request.replacesID = shown
                effects.append(.notifyUnanswered(request))
            }
            return effects
        case .event(let decision, let appID, let icon, let repeatCount, let collapseKey):
            var effects: [Effect] = []
            if decision.delivery == .suppressedDoNotDisturb { effects += hold(record) }
            let waiting = Waiting(record: record.keepingInMemory, appID: appID, icon: icon, repeatCount: repeatCount)
            if decision.queue { enqueue(waiting) }
            guard decision.sendNow, let server else { return effects + [.emit(record)] }
            let inPlace = record.type == .progress || record.type == .completion
            var request = request(for: record.event, jobID: record.jobID, appID: appID, icon: icon,
                                  repeatCount: repeatCount, server: server)
            request.replacesID = inPlace ? progressBubbles[record.jobID] ?? 0 : 0
            let retry = record.type == .error || record.type == .completion ? waiting : nil
            if inPlace && inFlight.contains(record.jobID) {
                // Sent when the previous one's id is known, so that it replaces it instead of stacking.
                behind[record.jobID, default: []].append(Behind(record: record, request: request, retry: retry))
                return effects
            }
            return effects + send(request, record: record, delivery: decision.delivery, inPlace: inPlace,
                                  collapseKey: collapseKey, retry: retry)
        case .send(let decision, let request, let sender, let token):
            var effects: [Effect] = []
            if decision.delivery == .suppressedDoNotDisturb { effects += hold(record) }
            guard decision.sendNow, server != nil else {
                return effects + [.emit(record), .answerSend(token, serverID: 0)]
            }
            var wire = request
            wire.raiseUrgency(for: record.event, doNotDisturb: doNotDisturb.active)
            return effects + send(wire, record: record, delivery: decision.delivery, inPlace: false, collapseKey: nil,
                                  retry: nil, send: (sender, token))
        }
    }

    private func request(for event: NotificationEvent, jobID: String, appID: String?, icon: String?, repeatCount: Int,
                         server: Server) -> NotificationRequest {
        builder.request(for: event, jobID: jobID, appID: appID, icon: icon, bodyMarkup: server.hasBodyMarkup,
                        doNotDisturb: doNotDisturb.active, repeatCount: repeatCount, quirks: server.quirks)
    }

    private mutating func send(_ request: NotificationRequest, record: NotificationRecord, delivery: Delivery,
                               inPlace: Bool, collapseKey: ErrorCollapser.Key?, retry: Waiting?,
                               send: (sender: String?, token: SendToken)? = nil) -> [Effect] {
        let ticket = Ticket(value: nextTicket)
        nextTicket &+= 1
        if inPlace { inFlight.insert(record.jobID) }
        let sound = soundFallback.cue(for: request, delivery: delivery, serverPlaysSound: server?.playsSound ?? true)
        sent[ticket] = Sent(record: record, delivery: delivery, inPlace: inPlace, collapseKey: collapseKey,
                            retry: retry, generation: generation, send: send, sound: sound)
        return [.notify(ticket, request)]
    }

    private mutating func hold(_ record: NotificationRecord) -> [Effect] {
        policy.held(record)
        return [.held]
    }

    private mutating func enqueue(_ waiting: Waiting) {
        queue.append(waiting)
        if queue.count > Self.maximumQueued { queue.removeFirst(queue.count - Self.maximumQueued) }
        guard waiting.record.event.image != nil else { return }
        var pictures = 0
        for index in queue.indices.reversed() where queue[index].record.event.image != nil {
            pictures += 1
            if pictures > Self.maximumQueuedPictures { queue[index].record.event.image = nil }
        }
    }

    // MARK: Answers of the server

    /// The server took the `Notify` of `ticket` and gave it `serverID`.
    public mutating func answered(_ ticket: Ticket, serverID: UInt32) -> [Effect] {
        guard let call = sent.removeValue(forKey: ticket) else { return [] }
        var record = call.record
        record.serverID = serverID
        record.delivery = call.delivery
        let current = call.generation == generation
        if current {
            remember(serverID, Origin(jobID: record.jobID, recordID: record.id, sender: call.send?.sender))
            if call.inPlace { progressBubbles[record.jobID] = serverID }
            if let key = call.collapseKey { errorBubbles[key] = serverID }
        }
        var effects: [Effect] = [.recordDelivery(record)]
        if let send = call.send { effects.append(.answerSend(send.token, serverID: serverID)) }
        // The bubble is up (on this server): its sound, where the server plays none.
        if current, let sound = call.sound { effects.append(.playSound(sound, notificationID: serverID)) }
        return effects + next(after: call, current: current)
    }

    /// The `Notify` of `ticket` failed (an error reply, a timeout, the server gone before answering).
    /// An error or a completion waits for the next server, once.
    public mutating func failed(_ ticket: Ticket, reason: String) -> [Effect] {
        guard let call = sent.removeValue(forKey: ticket) else { return [] }
        var record = call.record
        record.delivery = .noServer
        let current = call.generation == generation
        var effects: [Effect] = [.refused(jobID: record.jobID, reason: reason)]
        if var retry = call.retry, retry.lostWithServers == 0 {
            retry.lostWithServers += 1
            record.delivery = .queued
            enqueue(retry)
        }
        effects.append(.recordDelivery(record))
        if let send = call.send { effects.append(.answerSend(send.token, serverID: 0)) }
        // A new server is already there (the failure came after it appeared): what waits goes out now.
        // One that the same server refused is not sent to it again (it would refuse it again).
        if !current && record.delivery == .queued && server != nil { effects += flushQueue() }
        return effects + next(after: call, current: current)
    }

    /// The progress request waiting behind an answered one of the same job goes out, replacing it —
    /// decided again first: Do Not Disturb may have come on while it waited.
    private mutating func next(after call: Sent, current: Bool) -> [Effect] {
        guard call.inPlace && current else { return [] }
        let jobID = call.record.jobID
        inFlight.remove(jobID)
        var effects: [Effect] = []
        while var waiting = behind[jobID], !waiting.isEmpty {
            let following = waiting.removeFirst()
            behind[jobID] = waiting.isEmpty ? nil : waiting
            let decided = policy.decide(following.record.event, serverPresent: server != nil)
            guard decided.sendNow else {
                var record = following.record
                record.delivery = decided.delivery
                if decided.delivery == .suppressedDoNotDisturb { effects += hold(record) }
                effects.append(.recordDelivery(record))
                continue
            }
            var request = following.request
            request.replacesID = progressBubbles[jobID] ?? 0
            return effects + send(request, record: following.record, delivery: decided.delivery, inPlace: true,
                                  collapseKey: nil, retry: following.retry)
        }
        return effects
    }

    // MARK: The server and Do Not Disturb

    /// A server appeared, replaced the old one, or left (nil): ids of the old one mean nothing any
    /// more; progress that waited behind a bubble of the old server is dropped (superseded); what waited
    /// for a server goes out now, in order, once — each decided again.
    public mutating func serverChanged(_ new: Server?) -> [Effect] {
        generation += 1
        server = new
        origins = [:]
        progressBubbles = [:]
        errorBubbles = [:]
        inFlight = []
        behind = [:]
        return new == nil ? [] : flushQueue()
    }

    /// What waited for a server, decided again against the Do Not Disturb of now, and sent.
    private mutating func flushQueue() -> [Effect] {
        guard let server else { return [] }
        let waiting = queue
        queue = []
        var effects: [Effect] = []
        for pending in waiting {
            var record = pending.record
            let decided = policy.decide(record.event, serverPresent: true)
            guard decided.sendNow else {
                record.delivery = decided.delivery
                if decided.delivery == .suppressedDoNotDisturb { effects += hold(record) }
                effects.append(.recordDelivery(record))
                continue
            }
            let request = request(for: record.event, jobID: record.jobID, appID: pending.appID, icon: pending.icon,
                                  repeatCount: pending.repeatCount, server: server)
            effects += send(request, record: record, delivery: decided.delivery, inPlace: false, collapseKey: nil,
                            retry: pending)
        }
        return effects
    }

    /// Do Not Disturb changed. Returns whether it differs from before, and the digest to decide when a
    /// period that held something back ended.
    public mutating func doNotDisturbChanged(_ status: DoNotDisturbStatus) -> (changed: Bool, digest: NotificationEvent?) {
        guard status != policy.status else { return (false, nil) }
        return (true, policy.update(status))
    }

    // MARK: Bubbles

    private mutating func remember(_ id: UInt32, _ origin: Origin) {
        origins[id] = origin
        guard origins.count > Self.maximumOrigins else { return }
        let keep = Set(origins.sorted { $0.value.recordID > $1.value.recordID }.prefix(Self.maximumOrigins * 3 / 4).map(\.key))
        origins = origins.filter { keep.contains($0.key) }
        errorBubbles = errorBubbles.filter { keep.contains($0.value) }
    }

    /// The server closed bubble `id`: it is no longer replaced or routed.
    public mutating func closed(_ id: UInt32) {
        origins.removeValue(forKey: id)
        progressBubbles = progressBubbles.filter { $0.value != id }
        errorBubbles = errorBubbles.filter { $0.value != id }
    }

    /// A job's run starts over or ends: its bubbles are no longer replaced, its errors no longer collapsed.
    public mutating func forget(jobID: String) {
        progressBubbles.removeValue(forKey: jobID)
        collapser.forget(jobID: jobID)
    }
}

extension NotificationRecord {
    /// The record as kept in memory while it waits: its message cut to
    /// ``DeliveryQueue/messageKeptInMemory`` bytes (the history has the full text).
    fileprivate var keepingInMemory: NotificationRecord {
        var kept = self
        kept.event.message = NotificationText.prefix(event.message, maxUTF8Bytes: DeliveryQueue.messageKeptInMemory)
        return kept
    }
}

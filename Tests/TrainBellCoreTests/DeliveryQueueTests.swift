import PropertyBased
import Testing
@testable import TrainBellCore

/// `DeliveryQueue`, the delivery state machine, without a bus: table-driven cases of every path, and
/// properties over any interleaving of events, answers, servers and Do Not Disturb.
@Suite struct DeliveryQueueTests {
    /// The daemon's part, played by the test: gives records their history ids, keeps the `Notify`
    /// calls in flight, and what was announced and answered.
    struct Driver {
        var queue = DeliveryQueue(collapser: ErrorCollapser(window: 60_000_000))
        var nextRecordID: UInt64 = 1
        var nextServerID: UInt32 = 100
        /// `Notify` calls not answered yet, oldest first, with the DND state they were sent under.
        var outstanding: [(ticket: DeliveryQueue.Ticket, request: NotificationRequest)] = []
        var notified: [NotificationRequest] = []
        var unanswered: [NotificationRequest] = []
        var emitted: [NotificationRecord] = []
        var deliveries: [NotificationRecord] = []
        var sendAnswers: [DeliveryQueue.SendToken: UInt32] = [:]
        var held = 0
        var refused = 0
        /// The sounds trainbelld was told to play, with the bubble's server id.
        var sounds: [(sound: SoundCue, id: UInt32)] = []
        /// Server id → job, for every bubble a server took (this generation or an earlier one).
        var bubbleJobs: [UInt32: String] = [:]

        static let server = DeliveryQueue.Server(hasBodyMarkup: false)

        init(server: DeliveryQueue.Server? = Driver.server) {
            if let server { run(queue.serverChanged(server)) }
        }

        mutating func run(_ effects: [DeliveryQueue.Effect]) {
            for effect in effects {
                switch effect {
                case .notify(let ticket, let request):
                    outstanding.append((ticket, request))
                    notified.append(request)
                case .notifyUnanswered(let request): unanswered.append(request)
                case .emit(let record): emitted.append(record)
                case .recordDelivery(let record): deliveries.append(record)
                case .held: held += 1
                case .answerSend(let token, let id): sendAnswers[token] = id
                case .refused: refused += 1
                case .playSound(let sound, let id): sounds.append((sound, id))
                }
            }
        }

        @discardableResult
        mutating func event(_ event: NotificationEvent, job: String, now: Int64 = 1) -> NotificationRecord {
            let decided = queue.decide(event, jobID: job, appID: nil, icon: nil, now: now)
            let id = nextRecordID
            nextRecordID += 1
            run(queue.accept(decided, recordID: id))
            var record = decided.record
            record.id = id
            return record
        }

        /// Answers the oldest outstanding `Notify` (the server shows it); returns the id given.
        @discardableResult
        mutating func answerOldest() -> UInt32? {
            guard !outstanding.isEmpty else { return nil }
            let (ticket, request) = outstanding.removeFirst()
            let id = request.replacesID != 0 ? request.replacesID : nextServerID
            if request.replacesID == 0 { nextServerID += 1 }
            if let job = request.hints.first(where: { $0.name == "x-trainbell-job" }), case .string(let name) = job.value {
                bubbleJobs[id] = name
            }
            run(queue.answered(ticket, serverID: id))
            return id
        }

        mutating func failOldest() {
            guard !outstanding.isEmpty else { return }
            let (ticket, _) = outstanding.removeFirst()
            run(queue.failed(ticket, reason: "org.freedesktop.DBus.Error.NoReply"))
        }

        mutating func dnd(_ on: Bool, holds: Bool? = false) {
            let (_, digest) = queue.doNotDisturbChanged(DoNotDisturbStatus(active: on, source: "test", serverHoldsUrgent: holds))
            if let digest { event(digest, job: "") }
        }
    }

    static func event(_ type: NotificationType, message: String = "m", percent: Int? = nil) -> NotificationEvent {
        NotificationEvent(type: type, title: type.rawValue, message: message, milestone: percent,
                          urgency: type == .error ? .critical : .normal,
                          taskbarProgress: percent.map { Double($0) / 100 },
                          respectsDoNotDisturb: type != .error, errorType: type == .error ? "cuda_error" : nil)
    }

    static func urgency(_ request: NotificationRequest) -> HintValue? {
        request.hints.first { $0.name == "urgency" }?.value
    }

    // MARK: Table-driven

    @Test func aJobsProgressReplacesItsBubbleOnceTheIdIsKnown() {
        var d = Driver()
        d.event(Self.event(.progress, percent: 25), job: "a")
        d.event(Self.event(.progress, percent: 50), job: "a")
        // The second waits for the first's id.
        #expect(d.outstanding.count == 1)
        #expect(d.notified.map(\.replacesID) == [0])
        let id = d.answerOldest()
        #expect(d.notified.map(\.replacesID) == [0, id])
        d.answerOldest()
        d.event(Self.event(.completion, percent: 100), job: "a")
        #expect(d.notified.last?.replacesID == id)
        // Another job has its own bubble.
        d.event(Self.event(.progress, percent: 25), job: "b")
        #expect(d.notified.last?.replacesID == 0)
    }

    @Test func completionsWaitingForAServerKeepOnlyTheNewestPictures() {
        var d = Driver(server: nil)
        let picture = NotificationImage(rgbaWidth: 2, height: 2, bytes: Array(repeating: 255, count: 16))
        for job in 0..<(DeliveryQueue.maximumQueuedPictures + 4) {
            var completion = Self.event(.completion, percent: 100)
            completion.image = picture
            d.event(completion, job: "job-\(job)")
        }
        d.run(d.queue.serverChanged(Driver.server))
        let withPicture = d.notified.map { request in request.hints.contains { $0.name == "image-data" } }
        #expect(d.notified.count == DeliveryQueue.maximumQueuedPictures + 4, "every completion is shown")
        #expect(withPicture == Array(repeating: false, count: 4) + Array(repeating: true, count: DeliveryQueue.maximumQueuedPictures))
    }

    @Test func withoutAServerErrorsAndCompletionsWaitAndProgressIsNotKept() {
        var d = Driver(server: nil)
        let error = d.event(Self.event(.error), job: "a")
        let progress = d.event(Self.event(.progress, percent: 25), job: "a")
        let completion = d.event(Self.event(.completion, percent: 100), job: "b")
        #expect([error, progress, completion].map(\.delivery) == [.queued, .noServer, .queued])
        #expect(d.notified.isEmpty)
        d.run(d.queue.serverChanged(Driver.server))
        #expect(d.notified.map(\.summary) == ["error", "completion"])
        d.answerOldest()
        d.answerOldest()
        #expect(d.deliveries.map(\.id) == [error.id, completion.id])
        #expect(d.deliveries.allSatisfy { $0.delivery == .shown })
        #expect(d.queue.queuedCount == 0)
    }

    /// The regression of issue 16: a record queued while no server existed, DND switched on before the
    /// server appears: it is held, not shown.
    @Test func aRecordQueuedBeforeDoNotDisturbIsHeldWhenTheServerAppears() {
        var d = Driver(server: nil)
        let completion = d.event(Self.event(.completion, percent: 100), job: "a")
        let error = d.event(Self.event(.error), job: "a")
        d.dnd(true)
        d.run(d.queue.serverChanged(Driver.server))
        // The error goes out (critical); the completion is held for the digest.
        #expect(d.notified.map(\.summary) == ["error"])
        #expect(Self.urgency(d.notified[0]) == .byte(2))
        #expect(d.deliveries.map(\.id) == [completion.id])
        #expect(d.deliveries.first?.delivery == .suppressedDoNotDisturb)
        #expect(d.held == 1)
        #expect(d.queue.policy.heldRecordIDs == [completion.id])
        d.answerOldest()
        #expect(d.deliveries.last?.id == error.id && d.deliveries.last?.delivery == .shown)
        // DND ends: the digest goes out.
        d.dnd(false)
        #expect(d.notified.count == 2)
    }

    /// Found by the interleaving property: progress waiting behind its job's bubble in flight when DND
    /// came on went out during DND once the bubble's id arrived (the old Notifier did so too).
    @Test func progressWaitingBehindItsBubbleIsHeldWhenDoNotDisturbCameOnMeanwhile() {
        var d = Driver()
        d.event(Self.event(.progress, percent: 25), job: "a")
        let second = d.event(Self.event(.progress, percent: 50), job: "a")
        d.dnd(true)
        d.answerOldest()
        #expect(d.notified.count == 1)
        #expect(d.deliveries.last?.id == second.id && d.deliveries.last?.delivery == .suppressedDoNotDisturb)
        #expect(d.queue.policy.heldRecordIDs == [second.id])
    }

    @Test func identicalErrorsCollapseAndTheBubbleOnScreenShowsTheCount() {
        var d = Driver()
        d.event(Self.event(.error, message: "CUDA out of memory"), job: "a", now: 1)
        let id = d.answerOldest()
        let second = d.event(Self.event(.error, message: "CUDA out of memory"), job: "a", now: 2)
        let third = d.event(Self.event(.error, message: "CUDA out of memory"), job: "a", now: 3)
        #expect(second.delivery == .rateLimited && third.delivery == .rateLimited)
        #expect(d.unanswered.map(\.replacesID) == [id, id])
        #expect(d.unanswered.map(\.summary) == ["error (×2)", "error (×3)"])
        #expect(d.outstanding.isEmpty)
        // A different message is a new bubble.
        d.event(Self.event(.error, message: "NaN loss"), job: "a", now: 4)
        #expect(d.outstanding.count == 1)
    }

    @Test func anErrorLostWithADyingServerGoesToTheNextServerOnceOnly() {
        var d = Driver()
        let error = d.event(Self.event(.error), job: "a")
        // The server dies before answering: a new one appears, then the old call fails.
        d.run(d.queue.serverChanged(Driver.server))
        d.failOldest()
        #expect(d.deliveries.last?.id == error.id && d.deliveries.last?.delivery == .queued)
        #expect(d.outstanding.count == 1, "sent again to the new server")
        // It dies with that one too: not sent again.
        d.run(d.queue.serverChanged(Driver.server))
        d.failOldest()
        #expect(d.deliveries.last?.id == error.id && d.deliveries.last?.delivery == .noServer)
        #expect(d.outstanding.isEmpty)
        #expect(d.queue.queuedCount == 0)
        #expect(d.refused == 2)
    }

    @Test func anAnswerFromAServerThatHasGoneMapsNothing() {
        var d = Driver()
        d.event(Self.event(.progress, percent: 25), job: "a")
        d.run(d.queue.serverChanged(Driver.server))
        let old = d.answerOldest()!
        #expect(d.queue.origin(of: old) == nil)
        d.event(Self.event(.progress, percent: 50), job: "a")
        #expect(d.notified.last?.replacesID == 0, "a bubble of the old server is not replaced")
    }

    @Test func clicksFindTheirOriginUntilTheBubbleCloses() {
        var d = Driver()
        let record = d.event(Self.event(.error), job: "a")
        let id = d.answerOldest()!
        #expect(d.queue.origin(of: id) == DeliveryQueue.Origin(jobID: "a", recordID: record.id, sender: nil))
        d.queue.closed(id)
        #expect(d.queue.origin(of: id) == nil)
    }

    @Test func sendIsAnsweredWithTheServersIdRaisedDuringDoNotDisturbAndHeldWhenItRespectsIt() {
        var d = Driver()
        let request = NotificationRequest(appName: "notify-send", replacesID: 0, icon: "", summary: "hi", body: "",
                                          actions: [], hints: [("urgency", .byte(1))], expireTimeout: -1)
        let (decided, token) = d.queue.decideSend(Self.event(.warning), request: request, jobID: "", sender: ":1.7", now: 1)
        d.run(d.queue.accept(decided, recordID: 1))
        let id = d.answerOldest()!
        #expect(d.sendAnswers[token] == id)
        #expect(d.queue.origin(of: id)?.sender == ":1.7")

        d.dnd(true)
        // A caller's critical notification bypasses DND and goes out with urgency 2.
        let (critical, criticalToken) = d.queue.decideSend(Self.event(.error), request: request, jobID: "", sender: ":1.7", now: 2)
        d.run(d.queue.accept(critical, recordID: 2))
        #expect(Self.urgency(d.outstanding.last!.request) == .byte(2))
        d.answerOldest()
        #expect(d.sendAnswers[criticalToken] != nil)
        // One that respects DND is held, and the caller gets 0.
        let (quiet, quietToken) = d.queue.decideSend(Self.event(.warning), request: request, jobID: "", sender: ":1.7", now: 3)
        d.run(d.queue.accept(quiet, recordID: 3))
        #expect(d.sendAnswers[quietToken] == 0)
        #expect(d.outstanding.isEmpty)
    }

    // MARK: Properties

    /// One step of an interleaving.
    enum Step: Sendable, CustomStringConvertible {
        case event(NotificationType, job: Int, message: Int)
        case answer, fail, serverAppears, serverVanishes
        case dnd(Bool)

        var description: String {
            switch self {
            case .event(let t, let j, let m): "\(t.rawValue)@job\(j)#\(m)"
            case .answer: "answer"
            case .fail: "fail"
            case .serverAppears: "server+"
            case .serverVanishes: "server-"
            case .dnd(let on): on ? "dnd-on" : "dnd-off"
            }
        }
    }

    static let steps = zip(Gen.int(in: 0...13), Gen.int(in: 0...2), Gen.int(in: 0...1)).map { kind, job, message -> Step in
        switch kind {
        case 0, 1: .event(.error, job: job, message: message)
        case 2, 3: .event(.progress, job: job, message: 0)
        case 4: .event(.completion, job: job, message: 0)
        case 5: .event(.warning, job: job, message: 0)
        case 6, 7, 8: .answer
        case 9: .fail
        case 10: .serverAppears
        case 11: .serverVanishes
        case 12: .dnd(true)
        default: .dnd(false)
        }
    }.array(of: 0...50)

    @Test func anyInterleavingKeepsTheDeliveryPromises() async {
        await propertyCheck(count: 500, input: Self.steps) { steps in
            var d = Driver(server: nil)
            var now: Int64 = 0
            var errorIDs: [UInt64] = []
            for step in steps {
                now += 1
                let before = d.notified.count
                switch step {
                case .event(let type, let job, let message):
                    let record = d.event(Self.event(type, message: "m\(message)", percent: type == .progress ? 25 : nil),
                                         job: "job\(job)", now: now)
                    if type == .error && record.delivery != .rateLimited { errorIDs.append(record.id) }
                case .answer: d.answerOldest()
                case .fail: d.failOldest()
                case .serverAppears: d.run(d.queue.serverChanged(Driver.server))
                case .serverVanishes: d.run(d.queue.serverChanged(nil))
                case .dnd(let on): d.dnd(on)
                }
                for request in d.notified[before...] {
                    // Nothing that DND suppresses goes out while it is on (only errors, raised to urgency 2).
                    if d.queue.doNotDisturb.active {
                        #expect(Self.urgency(request) == .byte(2), "sent during DND: \(request.summary) in \(steps)")
                    }
                    // A bubble is replaced by notifications of its own job only.
                    if request.replacesID != 0, let hint = request.hints.first(where: { $0.name == "x-trainbell-job" }),
                       case .string(let job) = hint.value {
                        #expect(d.bubbleJobs[request.replacesID] == job, "\(job) replaces another job's bubble in \(steps)")
                    }
                }
            }
            // Drain: a server is there and answers everything.
            d.run(d.queue.serverChanged(Driver.server))
            while d.answerOldest() != nil {}
            #expect(d.queue.inFlightCount == 0)
            #expect(d.queue.queuedCount == 0)
            // Every error is shown exactly once, unless a server died with it and then the next one too.
            let taken: Set<Delivery> = [.shown, .heldByServer, .sentDuringDoNotDisturb]
            for id in errorIDs {
                let changes = d.deliveries.filter { $0.id == id }.map(\.delivery)
                let shown = changes.count { taken.contains($0) }
                if changes.last == .noServer {
                    #expect(shown == 0 && changes.count { $0 == .queued } == 1, "error \(id): \(changes) in \(steps)")
                } else {
                    #expect(shown == 1 && changes.last.map(taken.contains) == true, "error \(id): \(changes) in \(steps)")
                }
            }
            // Collapsed errors add up: each ×N follows N − 1 others of the same text.
            for request in d.unanswered {
                #expect(request.summary.contains("(×"), "a count update without a count: \(request.summary)")
            }
        }
    }
}

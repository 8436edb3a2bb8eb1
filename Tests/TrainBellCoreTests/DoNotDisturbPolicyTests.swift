import PropertyBased
import Testing
@testable import TrainBellCore

@Suite struct DoNotDisturbPolicyTests {
    /// One step of an interleaving: an event of a type, or DND switching.
    enum Step: Sendable, CustomStringConvertible {
        case event(NotificationType, job: Int)
        case dnd(Bool, holds: Bool)

        var description: String {
            switch self {
            case .event(let t, let j): "\(t.rawValue)@job\(j)"
            case .dnd(let on, let holds): on ? "dnd-on\(holds ? "(holds)" : "")" : "dnd-off"
            }
        }
    }


    static func event(_ type: NotificationType, milestone: Int? = nil) -> NotificationEvent {
        NotificationEvent(type: type, title: type.rawValue, message: "m", milestone: milestone,
                          urgency: type == .error ? .critical : .normal,
                          respectsDoNotDisturb: type != .error)
    }

    @Test func noErrorIsSuppressedNothingIsLostAndOneDigestFollowsEachPeriod() async {
        let stepGen = zip(Gen.int(in: 0...9), Gen.int(in: 0...2)).map { kind, job -> Step in
            switch kind {
            case 0: .event(.error, job: job)
            case 1: .event(.progress, job: job)
            case 2: .event(.completion, job: job)
            case 3: .event(.warning, job: job)
            case 4: .event(.progress, job: job)
            case 5, 6: .dnd(true, holds: job == 0)
            default: .dnd(false, holds: false)
            }
        }
        await propertyCheck(count: 400, input: stepGen.array(of: 0...60)) { steps in
            var policy = DoNotDisturbPolicy()
            var history: [NotificationRecord] = []
            var digests = 0
            var expectedDigests = 0
            var heldThisPeriod = 0
            var heldByPolicy: [UInt64] = []
            var nextID: UInt64 = 1
            for step in steps {
                switch step {
                case .event(let type, let job):
                    let e = Self.event(type, milestone: type == .progress ? 25 * (job + 1) : nil)
                    let decision = policy.decide(e, serverPresent: true)
                    let record = NotificationRecord(id: nextID, jobID: "job\(job)", event: e, timestamp: Int64(nextID),
                                                    delivery: decision.delivery)
                    nextID += 1
                    history.append(record)   // every decision is recorded
                    if type == .error {
                        #expect(decision.sendNow, "an error was held back: \(steps)")
                        #expect(decision.delivery != .suppressedDoNotDisturb)
                    }
                    if policy.status.active && type != .error {
                        #expect(decision.delivery == .suppressedDoNotDisturb && !decision.sendNow)
                    }
                    if !policy.status.active { #expect(decision.delivery == .shown) }
                    if decision.delivery == .suppressedDoNotDisturb {
                        policy.held(record)
                        heldThisPeriod += 1
                    }
                case .dnd(let on, let holds):
                    if policy.status.active && !on && heldThisPeriod > 0 { expectedDigests += 1 }
                    if policy.status.active && !on { heldByPolicy += policy.heldRecordIDs }
                    if policy.status.active && !on { heldThisPeriod = 0 }
                    let digest = policy.update(DoNotDisturbStatus(active: on, source: "test", serverHoldsUrgent: holds))
                    if let digest {
                        digests += 1
                        #expect(digest.type == .digest)
                    }
                }
            }
            #expect(digests == expectedDigests, "\(steps)")
            // Everything held back is still in the history, as suppressed-dnd.
            let suppressed = history.filter { $0.delivery == .suppressedDoNotDisturb }
            #expect(suppressed.allSatisfy { $0.event.type != .error })
            // What the digests account for is exactly what was held back: nothing lost from them.
            heldByPolicy += policy.heldRecordIDs
            #expect(heldByPolicy == suppressed.map(\.id))
        }
    }

    @Test func errorsDuringDNDGoOutHeldByServerWhereTheServerHoldsThem() {
        var policy = DoNotDisturbPolicy()
        _ = policy.update(DoNotDisturbStatus(active: true, source: "dunst", serverHoldsUrgent: true))
        #expect(policy.decide(Self.event(.error), serverPresent: true) == DeliveryDecision(delivery: .heldByServer, sendNow: true))
        _ = policy.update(DoNotDisturbStatus(active: true, source: "gnome", serverHoldsUrgent: false))
        #expect(policy.decide(Self.event(.error), serverPresent: true) == DeliveryDecision(delivery: .shown, sendNow: true))
        #expect(policy.decide(Self.event(.completion), serverPresent: true).delivery == .suppressedDoNotDisturb)
    }

    /// mako with its default configuration holds nothing in do-not-disturb mode, yet errors were
    /// recorded `held-by-server`: where the server's own configuration decides, say what is known.
    @Test func errorsSentToAServerWhoseConfigurationDecidesAreNotClaimedHeld() {
        var policy = DoNotDisturbPolicy()
        _ = policy.update(DoNotDisturbStatus(active: true, source: "mako", serverHoldsUrgent: nil))
        #expect(policy.decide(Self.event(.error), serverPresent: true)
                == DeliveryDecision(delivery: .sentDuringDoNotDisturb, sendNow: true))
        #expect(Delivery.sentDuringDoNotDisturb.rawValue == "sent-during-dnd")
        _ = policy.update(.off)
        #expect(policy.decide(Self.event(.error), serverPresent: true).delivery == .shown)
    }

    @Test func theDigestListsPerJobWhatWasMissed() {
        var policy = DoNotDisturbPolicy()
        _ = policy.update(DoNotDisturbStatus(active: true, source: "gnome"))
        var id: UInt64 = 0
        func hold(_ job: String, _ e: NotificationEvent) {
            id += 1
            policy.held(NotificationRecord(id: id, jobID: job, event: e, timestamp: 0, delivery: .suppressedDoNotDisturb))
        }
        hold("run-42", Self.event(.progress, milestone: 50))
        hold("run-7", Self.event(.warning))
        hold("run-42", Self.event(.progress, milestone: 75))
        hold("run-42", Self.event(.completion))
        hold("run-7", Self.event(.warning))
        let digest = policy.update(.off)
        #expect(digest?.title == "While you were away")
        #expect(digest?.message == "run-42: reached 75 %, finished\nrun-7: 2 warnings")
        #expect(digest?.type == .digest)
        // The next period starts empty.
        _ = policy.update(DoNotDisturbStatus(active: true, source: "gnome"))
        #expect(policy.update(.off) == nil)
    }

    @Test func theDigestTellsAFinishedJobsLossAndShowsTheChartOfTheOnlyOne() throws {
        func curve(_ values: [Double]) throws -> LossCurve {
            try #require(LossCurve(name: "loss", points: values.enumerated().map { .init(step: UInt64($0.offset), value: $0.element) }))
        }
        let first = try curve([2.31, 1, 0.42]), second = try curve([5, 4, 3])
        func digest(_ held: [(String, NotificationEvent)]) -> NotificationEvent? {
            var policy = DoNotDisturbPolicy()
            _ = policy.update(DoNotDisturbStatus(active: true, source: "gnome"))
            for (id, (job, event)) in held.enumerated() {
                policy.held(NotificationRecord(id: UInt64(id + 1), jobID: job, event: event, timestamp: 0, delivery: .suppressedDoNotDisturb))
            }
            return policy.update(.off)
        }
        let one = digest([("run-42", Self.event(.progress, milestone: 75)),
                          ("run-42", Self.event(.completion).withLossCurve(first)),
                          ("run-7", Self.event(.completion))])
        #expect(one?.message == "run-42: reached 75 %, finished, loss 2.31 → 0.42\nrun-7: finished")
        #expect(one?.image == LossChart().image(of: first))
        let two = digest([("run-42", Self.event(.completion).withLossCurve(first)),
                          ("run-7", Self.event(.completion).withLossCurve(second))])
        #expect(two?.message == "run-42: finished, loss 2.31 → 0.42\nrun-7: finished, loss 5 → 3")
        #expect(two?.image == nil)
        let unchartered = digest([("run-42", Self.event(.completion).withLossCurve(first, chart: nil))])
        #expect(unchartered?.message == "run-42: finished, loss 2.31 → 0.42")
        #expect(unchartered?.image == nil)
    }

    @Test func digestsCanBeTurnedOff() {
        var policy = DoNotDisturbPolicy(sendsDigest: false)
        _ = policy.update(DoNotDisturbStatus(active: true, source: "kde"))
        policy.held(NotificationRecord(id: 1, jobID: "j", event: Self.event(.completion), timestamp: 0, delivery: .suppressedDoNotDisturb))
        #expect(policy.update(.off) == nil)
    }
}

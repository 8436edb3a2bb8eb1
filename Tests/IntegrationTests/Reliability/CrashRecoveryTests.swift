import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// A crash in the middle of a flood (issue 18, "The reliability suite"; held when tried: 0 of 2,059
/// lost): trainers flood the daemon with warnings, errors and progress, the daemon is SIGKILLed, and
/// started again with the same folders. Every acknowledged record is in its history, and no
/// milestone is shown twice: not by the restarted daemon, not as progress goes on after it.
@Suite(.serialized) struct CrashRecoveryTests {
    static let flooders = 8
    static let total: UInt64 = 2_000
    /// The daemon is killed once this many records were acknowledged (or after `killAfter` seconds).
    static let recordsBeforeKill = 2_000
    static let killAfter: Double = 30
    static let milestoneTitles = [25: "Training 25% Complete", 50: "Training Halfway There!", 75: "Training 75% Complete"]

    struct Outcome: Sendable {
        var id = ""
        var title = ""
        var expected: [TrainerModel.Entry] = []
        /// Why the flood of this trainer stopped.
        var stop = ""
        var stoppedBeforeTheKill = false
        /// A milestone crossed by the progress call in flight when the daemon died: it may have been
        /// recorded as sent (and shown, or not yet) or not.
        var uncertainMilestone: Int?
    }

    @Test func aDaemonKilledMidFloodKeepsEveryAcknowledgedRecordAndRepeatsNoMilestone() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let flood = FloodState()

        let outcomes = runConcurrently(Self.flooders + 1) { index -> Outcome in
            guard index < Self.flooders else {
                // The killer: SIGKILL mid-flood, no chance to save anything.
                let deadline = Date().addingTimeInterval(Self.killAfter)
                while flood.acknowledged < Self.recordsBeforeKill && Date() < deadline { usleep(1_000) }
                flood.killed = true
                daemon.kill()
                return Outcome(stop: "killed after \(flood.acknowledged) acknowledged records")
            }
            return Self.flood(index, bus: bus, state: flood)
        }
        let floods = outcomes.dropLast()
        let killer = outcomes.last?.stop ?? ""
        for outcome in floods where outcome.stoppedBeforeTheKill {
            Issue.record("\(outcome.id) stopped before the kill: \(outcome.stop)")
        }

        try daemon.start()
        let client = try DaemonClient(bus: bus, recordSignals: false)
        var acknowledged = 0
        var lost = 0
        for outcome in floods {
            let history = try client.history(outcome.id).compactMap(TrainerModel.Entry.init(record:))
            let ids = Set(history.compactMap { if case .record(let id, _, _) = $0 { id } else { nil } })
            for case .record(let id, _, _) in outcome.expected {
                acknowledged += 1
                if !ids.contains(id) { lost += 1 }
            }
            #expect(history.starts(with: outcome.expected) && history.count <= outcome.expected.count + 1,
                    "\(outcome.id): the history is not the acknowledged calls (and at most the one in flight): \(history.count) entries for \(outcome.expected.count) acknowledged; after them: \(history.dropFirst(outcome.expected.count).prefix(3))")
        }
        print("CrashRecoveryTests: \(killer); after the restart \(acknowledged - lost) of \(acknowledged) acknowledged records are in the history, \(lost) lost")
        #expect(lost == 0)

        // The runs go on after the restart: past 30, 55 and 80 %, then they end.
        for outcome in floods {
            for step in [600, 1_100, 1_600] as [UInt64] { try client.progress(outcome.id, step) }
            try client.api.completeJob(outcome.id, message: "done")
        }
        let completions = floods.map { "\($0.title) finished after 1600 steps.\ndone" }
        #expect(server.wait(timeout: 20) { events in
            Set(completions).isSubset(of: Set(events.compactMap(\.notifyCall).map(\.body)))
        }, "not every completion reached the notification server")

        let notifies = server.notifies
        for outcome in floods {
            let progress = notifies.filter { $0.body.hasPrefix(outcome.title + ": step ") }
            for (milestone, summary) in Self.milestoneTitles {
                let shown = progress.count { $0.summary == summary }
                if outcome.uncertainMilestone == milestone {
                    #expect(shown <= 1, "\(outcome.id): milestone \(milestone) shown \(shown) times")
                } else {
                    #expect(shown == 1, "\(outcome.id): milestone \(milestone) shown \(shown) times")
                }
            }
            let milestones = try client.history(outcome.id).compactMap { $0["milestone"]?.integerValue }
            #expect(milestones == milestones.sorted() && Set(milestones).count == milestones.count,
                    "\(outcome.id): milestones in the history \(milestones)")
            #expect(notifies.count { $0.body == "\(outcome.title) finished after 1600 steps.\ndone" } == 1)
        }
    }

    /// Trainer `index` floods its job until a call fails: a warning, an error and some progress at a time.
    static func flood(_ index: Int, bus: PrivateBus, state: FloodState) -> Outcome {
        var outcome = Outcome(id: "flood-\(index)", title: "flood \(index)")
        do {
            var trainer = TrainerModel(client: try DaemonClient(bus: bus, recordSignals: false), total: total)
            defer { outcome.expected = trainer.jobs[outcome.id]?.expected ?? [] }
            try trainer.start(outcome.id, title: outcome.title)
            var n = 0
            var attempted: UInt64?
            defer {
                let acknowledged = trainer.jobs[outcome.id]?.step ?? 0
                outcome.uncertainMilestone = attempted.flatMap { attempted in
                    TrainerModel.milestones.first { m in
                        acknowledged * 100 < UInt64(m) * total && UInt64(m) * total <= attempted * 100
                    }
                }
            }
            while true {
                try trainer.warn(outcome.id, "\(outcome.id) warning \(n)")
                state.add(1)
                try trainer.error(outcome.id, "\(outcome.id) error \(n)", type: "data_error")
                state.add(1)
                let step = min((trainer.jobs[outcome.id]?.step ?? 0) + 2 * UInt64(index + 1), total - 1)
                attempted = step
                try trainer.progress(outcome.id, to: step)
                attempted = nil
                n += 1
            }
        } catch {
            outcome.stop = "\(error)"
            outcome.stoppedBeforeTheKill = !state.killed
        }
        return outcome
    }
}

/// What the flooders and the killer share: records acknowledged so far, and whether the kill came.
final class FloodState: @unchecked Sendable {
    // @unchecked Sendable: both values are only touched while `lock` is held.
    private let lock = NSLock()
    private var count = 0
    private var kill = false

    var acknowledged: Int { lock.withLock { count } }
    func add(_ n: Int) { lock.withLock { count += n } }

    var killed: Bool {
        get { lock.withLock { kill } }
        set { lock.withLock { kill = newValue } }
    }
}

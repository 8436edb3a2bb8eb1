import BusTestSupport
import DBus
import Foundation
import Testing

/// Many trainers at once (issue 18, "The reliability suite"; held when tried: keep it): 50 clients,
/// each with its own connection and its own jobs, make 400 mixed calls each, all at the same time.
/// Nothing acknowledged is lost, nothing is added, and each job's history is in the order its calls
/// were made.
@Suite(.serialized) struct ConcurrentClientsTests {
    static let clients = 50
    static let callsPerClient = 400
    static let total: UInt64 = 10_000
    static let errorTypes = ["oom_error", "data_error", "my_thing", "loss_divergence"]

    /// What one client did: the expected history of each of its jobs, and the calls that failed.
    struct Outcome: Sendable {
        var expected: [String: [TrainerModel.Entry]] = [:]
        var failures: [String] = []
        var calls = 0
    }

    @Test func fiftyClientsOf400MixedCallsLoseNothingAndKeepEachJobsOrder() throws {
        let bus = try PrivateBus()
        // No retention bound: 20,000 calls make more records than the default 10,000 kept.
        let daemon = try DaemonProcess(bus: bus, configuration: "[history]\nmax-records=0\nmax-age-days=0\n")
        defer { daemon.stop() }
        let seed = SplitMix64.runSeed()
        let started = Date()
        let outcomes = runConcurrently(Self.clients) { index in Self.runClient(index, bus: bus, seed: seed) }
        let seconds = Date().timeIntervalSince(started)

        let failures = outcomes.flatMap(\.failures)
        #expect(failures.isEmpty, "\(failures.count) calls failed (TRAINBELL_TEST_SEED=\(seed)): \(failures.prefix(5))")
        let client = try DaemonClient(bus: bus, recordSignals: false)
        var records = 0
        for (job, expected) in outcomes.flatMap(\.expected) {
            let history = try client.history(job)
            records += history.count
            if let difference = TrainerModel.difference(history: history, expected: expected) {
                Issue.record("job \(job): \(difference) (TRAINBELL_TEST_SEED=\(seed))")
            }
        }
        let calls = outcomes.map(\.calls).reduce(0, +)
        #expect(calls == Self.clients * Self.callsPerClient)
        print("ConcurrentClientsTests: \(Self.clients) clients made \(calls) calls in \(String(format: "%.1f", seconds)) s; \(records) records, all in order")
        #expect(daemon.process?.isRunning == true)
        #expect(try client.call("Ping", interface: .peer) == [])
    }

    /// Client `index`: two jobs of its own, 400 calls picked by its seed.
    static func runClient(_ index: Int, bus: PrivateBus, seed: UInt64) -> Outcome {
        var outcome = Outcome()
        var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x1_0000_0001)
        let ids = ["c\(index)-a", "c\(index)-b"]
        var trainer: TrainerModel
        do {
            trainer = TrainerModel(client: try DaemonClient(bus: bus, recordSignals: false), total: total)
        } catch {
            outcome.failures.append("client \(index) could not connect: \(error)")
            return outcome
        }
        for n in 0..<callsPerClient {
            let id = rng.pick(ids)
            outcome.calls += 1
            do {
                guard trainer.jobs[id]?.running == true else {
                    try trainer.start(id, title: "client \(index) job \(id)")
                    continue
                }
                switch rng.below(100) {
                case 0..<40:
                    let step = min((trainer.jobs[id]?.step ?? 0) + 1 + UInt64(rng.below(700)), total - 1)
                    try trainer.progress(id, to: step)
                case 40..<65: try trainer.warn(id, "\(id) warning \(n)")
                case 65..<85: try trainer.error(id, "\(id) error \(n)", type: rng.pick(errorTypes))
                default: try trainer.complete(id, "\(id) done \(n)")
                }
            } catch {
                outcome.failures.append("client \(index) call \(n) on \(id): \(error)")
            }
        }
        outcome.expected = trainer.jobs.mapValues(\.expected)
        return outcome
    }
}

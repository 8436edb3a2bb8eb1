import BusTestSupport
import DBus
import Foundation
import Glibc
import PropertyBased
import Testing

/// A hostile peer for a bounded time (issue 18, "The reliability suite"): random members of every
/// interface the daemon exports and of none, random signatures and values at every edge, sent in
/// batches without waiting in between. What must survive: every call is answered (a reply or an
/// error, none times out), the daemon answers `Peer.Ping` within a few seconds after each batch, it
/// still runs, and its memory comes back within a bound afterwards.
///
/// Each batch is reproducible: a failure names the batch's seed (`.fixedSeed(…)`, PropertyBased).
@Suite(.serialized) struct HostileInputTests {
    /// Batches of calls; the run ends after them or after `budget` seconds, whichever comes first.
    static let batches = 60
    static let batchSize = 50
    static let budget: Double = 20
    /// An answer that takes longer than this is no answer.
    static let answerTimeout: Double = 15
    /// How long a `Peer.Ping` may wait after a batch: a liveness bound, not a benchmark.
    static let pingTimeout: Double = 5
    /// What the daemon may keep after the run, above its memory before it (it has peaked at 60 to 90 MiB
    /// during the run; what is left is the history's page cache, the jobs the run made, and heap pages
    /// partly in use).
    static let residentGrowthBound = 16 << 10  // KiB

    /// Tallies of what came back.
    struct Tally: CustomStringConvertible {
        var sent = 0
        var replies = 0
        var errors: [String: Int] = [:]
        var unanswered = 0
        var notAwaited = 0
        var refusedBeforeSending = 0
        var batches = 0
        /// Calls carrying 1 MB of text or more.
        var megabyteCalls = 0
        var seconds = 0.0
        var answered: Int { replies + errors.values.reduce(0, +) }

        mutating func add(_ answer: CallAnswer) {
            switch answer {
            case .reply: replies += 1
            case .error(let error): errors[error.name.rawValue, default: 0] += 1
            case .none: unanswered += 1
            case .notAwaited: notAwaited += 1
            }
        }

        var description: String {
            let names = errors.sorted { $0.value > $1.value }.map { "\($0.key.split(separator: ".").last ?? ""): \($0.value)" }
            return "\(batches) batches in \(Int(seconds)) s, \(sent) calls sent (\(megabyteCalls) with 1 MB of text or more): \(answered) answered (\(replies) replies, errors \(names.joined(separator: ", "))), "
                + "\(unanswered) unanswered, \(notAwaited) without reply expected, \(refusedBeforeSending) refused by libdbus before sending"
        }
    }

    @Test(.shrinking(false))
    func anyCallsAreAllAnsweredAndTheDaemonStaysResponsiveWithinItsMemory() async throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let pinger = try DaemonClient(bus: bus, recordSignals: false)
        let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
        #expect(descriptor >= 0)
        defer { close(descriptor) }

        // A few ordinary calls first, so the baseline is the memory of a daemon that has served.
        _ = try client.startJob("baseline", title: "Baseline", total: 100)
        try client.progress("baseline", 30)
        try client.call("ReportWarning", [.string("baseline"), .string("warming up")])
        let baseline = try #require(daemon.residentMemory)
        var peak = baseline
        var tally = Tally()
        let started = Date()
        let deadline = started.addingTimeInterval(Self.budget)

        await propertyCheck(count: Self.batches, input: HostileCall.batch(size: Self.batchSize, descriptor: descriptor)) { calls in
            guard Date() < deadline, daemon.process?.isRunning == true else { return }
            tally.batches += 1
            var sent: [(HostileCall, Message)] = []
            for call in calls {
                do { sent.append((call, try call.message)) } catch { tally.refusedBeforeSending += 1 }
            }
            tally.sent += sent.count
            tally.megabyteCalls += sent.count { $0.0.textBytes >= 1 << 20 }
            let answers = client.answers(to: sent.map(\.1), timeout: Self.answerTimeout)
            for ((call, _), answer) in zip(sent, answers) {
                tally.add(answer)
                if case .none = answer { Issue.record("no answer to \(call): \(answer)") }
            }
            #expect(daemon.process?.isRunning == true, "trainbelld ended; the end of its log:\n\(daemon.log.suffix(4_000))")
            #expect(throws: Never.self, "Peer.Ping after a batch") {
                try pinger.call("Ping", interface: .peer, timeout: Self.pingTimeout)
            }
            if let now = daemon.residentMemory { peak = max(peak, now) }
        }

        tally.seconds = Date().timeIntervalSince(started)
        // Memory: whatever a call needed is given back (within the bound) once the calls are answered.
        try pinger.call("Ping", interface: .peer, timeout: Self.pingTimeout)
        // The daemon gives freed pages back once calls stop for a moment (MemoryJanitor, 200 ms of quiet):
        // wait for that, at most 5 s.
        var after = try #require(daemon.residentMemory, "trainbelld is not running; its log:\n\(daemon.log.suffix(4_000))")
        let waitUntil = Date().addingTimeInterval(5)
        while after.kibibytes >= baseline.kibibytes + Self.residentGrowthBound && Date() < waitUntil {
            usleep(50_000)
            after = daemon.residentMemory ?? after
        }
        print("HostileInputTests: \(tally); trainbelld resident memory \(baseline) before, \(peak) at most, \(after) after")
        #expect(tally.unanswered == 0)
        #expect(tally.answered > 0)
        // What callers send is kept bounded (MemoryBoundTests), large buffers are unmapped when freed, and
        // the free pages left between live allocations are given back after the burst (MemoryJanitor).
        #expect(after.kibibytes < baseline.kibibytes + Self.residentGrowthBound,
                "trainbelld kept \(after.kibibytes - baseline.kibibytes) KiB: \(baseline) before, \(after) after (peak \(peak))")

        // Still serving, with the job it had before.
        #expect(try client.call("GetDoNotDisturb") == [.boolean(false), .string("none")])
        #expect(try client.history("baseline").map { $0["type"]?.stringValue } == ["progress", "warning"])
        #expect(daemon.stop() == 0, "trainbelld did not stop cleanly; its log:\n\(daemon.log.suffix(4_000))")
    }
}

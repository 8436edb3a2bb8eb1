import BusTestSupport
import DBus
import Foundation
import Testing

/// The `PropertiesChanged` of job objects: what changed only, at most ~10 a second per job, and the
/// last state always announced, for one job and for many at once (one timer paces them all).
@Suite(.serialized) struct JobPropertiesTests {
    /// The `PropertiesChanged` of job `id`'s object received so far: their changed properties.
    static func changes(_ client: DaemonClient, of id: String) -> [[String: DBusValue]] {
        client.signals.filter { $0.member == "PropertiesChanged" && $0.path?.rawValue == "/org/trainbell/TrainBell1/job/\(id)" }
            .compactMap { message in
                guard let arguments = try? message.arguments(), arguments.count == 3,
                      arguments[0].stringValue == "org.trainbell.TrainBell1.Job" else { return nil }
                return arguments[1].stringKeyedEntries?.mapValues(\.unwrapped)
            }
    }

    static func sendProgress(_ client: DaemonClient, _ id: String, _ step: UInt64) throws {
        try client.connection.callNoReply(destination: DaemonProcess.busName, path: DaemonProcess.path,
                                          interface: DaemonProcess.interface, member: "ReportProgress",
                                          [.string(id), .uint64(step), .uint64(0)])
    }

    @Test func aProgressReportAnnouncesOnlyWhatItChanged() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("quiet", title: "Quiet run", total: 1_000)
        // Past the first announcement's interval, so that the next one goes out at once.
        _ = client.loop.run(until: { false }, timeout: 0.15)
        client.clearSignals()
        try client.progress("quiet", 10)
        #expect(client.loop.run(until: { !Self.changes(client, of: "quiet").isEmpty }, timeout: 10))
        let change = try #require(Self.changes(client, of: "quiet").first)
        #expect(Set(change.keys) == ["CurrentStep", "Progress", "UpdatedAt"], "\(change)")
        #expect(change["CurrentStep"] == .uint64(10))
        #expect(change["Progress"] == .double(0.01))
        // An error changes the state and the last error besides.
        _ = client.loop.run(until: { false }, timeout: 0.15)
        client.clearSignals()
        try client.api.reportError("quiet", message: "CUDA out of memory", type: "out_of_memory")
        #expect(client.loop.run(until: { Self.changes(client, of: "quiet").contains { $0["State"] != nil } }, timeout: 10))
        let failed = try #require(Self.changes(client, of: "quiet").first { $0["State"] != nil })
        #expect(failed["State"] == .string("failed"))
        #expect(failed["LastError"] == .string("CUDA out of memory"))
        #expect(failed["Title"] == nil && failed["Id"] == nil && failed["StartedAt"] == nil, "\(failed)")
    }

    @Test func burstsOfManyJobsArePacedPerJobAndEachJobsLastStepArrives() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        let jobs = (0..<50).map { "job\($0)" }
        for id in jobs { _ = try client.startJob(id, total: 1_000_000) }
        let start = Date()
        let updates: UInt64 = 200
        for step in 1...updates {
            for id in jobs { try Self.sendProgress(client, id, step) }
        }
        _ = try client.api.doNotDisturb()
        // Every job's last step is announced, by the one timer if not at once.
        let announcedLast = client.loop.run(until: {
            jobs.allSatisfy { id in Self.changes(client, of: id).contains { $0["CurrentStep"] == .uint64(updates) } }
        }, timeout: 10)
        let elapsed = Date().timeIntervalSince(start)
        #expect(announcedLast, "not every job's step \(updates) was announced")
        for id in jobs {
            let count = Self.changes(client, of: id).count
            // The start's announcement, then at most one per 100 ms of the time that passed.
            #expect(Double(count) <= elapsed * 10 + 3, "\(id): \(count) announcements in \(elapsed) s")
        }
    }

    @Test func aThousandBusyJobsShareAboutAThousandAnnouncementsASecond() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        let jobs = (0..<1_000).map { "job\($0)" }
        let rounds: UInt64 = 30
        let start = Date()
        for step in 1...rounds {
            for id in jobs { try Self.sendProgress(client, id, step) }
        }
        _ = try client.api.doNotDisturb(timeout: 60)
        // The signals are read as they come (a scan of all of them at every turn would be quadratic).
        var scanned = 0, total = 0
        var done: Set<String> = []
        let prefix = "/org/trainbell/TrainBell1/job/"
        let announcedLast = client.loop.run(until: {
            while scanned < client.signals.count {
                let message = client.signals[scanned]
                scanned += 1
                guard message.member == "PropertiesChanged", let path = message.path?.rawValue, path.hasPrefix(prefix),
                      let arguments = try? message.arguments(), arguments.count == 3,
                      let changed = arguments[1].stringKeyedEntries?.mapValues(\.unwrapped) else { continue }
                total += 1
                if changed["CurrentStep"] == .uint64(rounds) { done.insert(String(path.dropFirst(prefix.count))) }
            }
            return done.count == jobs.count
        }, timeout: 30)
        let elapsed = Date().timeIntervalSince(start)
        #expect(announcedLast, "\(jobs.count - done.count) jobs' last step was not announced")
        print("\(total) job announcements for \(jobs.count) jobs × \(rounds) steps in \(elapsed) s")
        // Each job's first change goes out at once; after that about 1,000 a second in all (half as
        // much again for the jobs announced as they become due together).
        #expect(Double(total) <= Double(jobs.count) + (elapsed + 0.2) * 1_500, "\(total) announcements in \(elapsed) s")
    }
}

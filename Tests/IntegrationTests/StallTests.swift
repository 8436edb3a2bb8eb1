import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// Stalls end to end (issue 11), with a short configured threshold: a job that stops reporting gets
/// one warning, resumes and clears, and a second silence warns again; an ended job is not watched.
@Suite struct StallTests {
    @Test func aSilentJobWarnsOnceThenClearsWhenItResumes() throws {
        let session = try DaemonSession(configuration: "[progress]\nstall-minimum-seconds=2\nstall-factor=2\n")
        defer { session.stop() }
        let (client, server) = (session.client, try #require(session.server))
        _ = try client.startJob("hang", title: "NCCL run", total: 100_000)
        for step in 1...10 {
            try client.progress("hang", UInt64(step))
            usleep(100_000)
        }
        // Silent: the warning comes after 2 s (the timer is second-granular), once.
        let first = server.waitForNotifies(count: 1, timeout: 10)
        #expect(first.map(\.summary) == ["Training Warning"])
        let body = first.first?.body ?? ""
        #expect(body.contains("no progress for") && body.contains("(an update every 0.1 s before)"), "\(body)")
        usleep(3_000_000)
        #expect(server.notifies.count == 1, "one warning per silence")
        // It resumes, then goes silent again: a second warning.
        for step in 11...13 {
            try client.progress("hang", UInt64(step))
            usleep(100_000)
        }
        let second = server.waitForNotifies(count: 2, timeout: 10)
        #expect(second.count == 2 && second.last?.summary == "Training Warning")
        let records = try client.history("hang").compactMap { $0["message"]?.stringValue }
        #expect(records.count == 2 && records.allSatisfy { $0.hasPrefix("no progress for ") }, "\(records)")
        // An ended job is silent by right: after its completion bubble, nothing more.
        _ = try client.api.completeJob("hang", message: "done")
        let done = server.waitForNotifies(count: 3, timeout: 10)
        #expect(done.last?.summary == "Training Complete! 🎉")
        usleep(4_000_000)
        #expect(server.notifies.count == 3, "\(server.notifies.map(\.summary))")
    }
}

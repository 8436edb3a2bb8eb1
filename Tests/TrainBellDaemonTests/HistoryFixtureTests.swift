import Glibc
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// A history file written by an earlier trainbelld opens with today's store and keeps everything:
/// `Tests/Fixtures/history-v1.sqlite3` was written by the GRDB-based store (schema v1; see
/// `Tests/Fixtures/README.md`).
@Suite struct HistoryFixtureTests {
    /// The jobs of the fixture, oldest run first: a failed job with every field set, a completed one,
    /// and the second run of `gpt-tiny`.
    static func version1Jobs() throws -> [Job] {
        var failed = Job.start(
            id: try JobID("mnist-β 🧠"), title: "MNIST — ünïcødé 日本", totalSteps: .max,
            appID: "org.example.Trainer.desktop", icon: "/usr/share/icons/trainer.png",
            milestones: try MilestoneSet([10, 33, 90]), now: 1_700_000_000_000_000)
        _ = failed.reportProgress(current: .max / 2, now: 1_700_000_000_000_500)
        _ = failed.reportError(message: "loss is NaN\n\tat step 3", type: "loss_divergence", now: 1_700_000_000_000_900)
        var completed = Job.start(id: try JobID("j"), title: "", totalSteps: 4, now: 1_700_000_000_001_000)
        _ = completed.reportProgress(current: 4, now: 1_700_000_000_002_000)
        var second = Job.start(id: try JobID("gpt-tiny"), title: "GPT again", totalSteps: 20, now: 1_700_000_000_020_000)
        _ = second.reportProgress(current: 5, now: 1_700_000_000_020_100)
        return [failed, completed, second]
    }

    /// The records of the fixture, in the order they were appended (ids 1 to 5).
    static let version1Records: [NotificationRecord] = [
        NotificationRecord(
            id: 1, jobID: "gpt-tiny",
            event: NotificationEvent(type: .warning, title: "Training Warning", message: "first run"),
            timestamp: 1_700_000_000_010_500, delivery: .shown, serverID: 77),
        NotificationRecord(
            id: 2, jobID: "mnist-β 🧠",
            event: NotificationEvent(
                type: .error, title: "Training Error",
                message: "CUDA out of memory.\n\tTried to allocate 2.00 GiB — ünïcødé 日本語 👩‍👩‍👧 e\u{301}",
                urgency: .critical, sound: true, soundName: "dialog-error", actions: [.details, .retry],
                taskbarProgress: 0.4375, respectsDoNotDisturb: false, errorType: "oom_error"),
            timestamp: 1_700_000_000_000_001, delivery: .heldByServer, serverID: .max),
        NotificationRecord(
            id: 3, jobID: "",
            event: NotificationEvent(
                type: .custom, title: "", message: "", soundName: "",
                actions: [NotificationAction(key: "", label: "")], errorType: ""),
            timestamp: 0, delivery: .noServer, serverID: 0),
        NotificationRecord(
            id: 4, jobID: "j",
            event: NotificationEvent(
                type: .progress, title: "Training Halfway There!", message: "Step 2 of 4", milestone: 50,
                urgency: .low, taskbarProgress: 0.5),
            timestamp: -1, delivery: .suppressedDoNotDisturb, serverID: 3),
        NotificationRecord(
            id: 5, jobID: "gpt-tiny",
            event: NotificationEvent(
                type: .warning, title: "Training Warning", message: "second run",
                actions: [
                    NotificationAction(key: "a/b", label: "quote \" backslash \\ tab \t newline \n ctrl \u{01} 🧠 日本"),
                    .details,
                ],
                taskbarProgress: 0.25),
            timestamp: 1_700_000_000_020_500, delivery: .shown, serverID: 1),
    ]

    @Test func aVersion1HistoryOpensAndKeepsItsJobsRunsAndRecords() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            try Self.copyFixture("history-v1.sqlite3", to: path)
            let jobs = try Self.version1Jobs()
            do {
                let store = try HistoryStore(path: path)
                #expect(try store.jobs() == jobs)
                #expect(try store.records(jobID: nil) == Self.version1Records)
                #expect(try store.records(jobID: "gpt-tiny", run: 1) == [Self.version1Records[0]])
                #expect(try store.records(jobID: "gpt-tiny", run: 2) == [Self.version1Records[4]])
                #expect(try store.run(ofJob: try JobID("gpt-tiny")) == 2)
                // Ids go on from the file's, in the current run.
                let appended = try store.append(HistoryStoreTests.record(jobID: "gpt-tiny", timestamp: 1_700_000_000_030_000))
                #expect(appended.id == 6)
                #expect(try store.records(jobID: "gpt-tiny", run: 2).map(\.id) == [5, 6])
                try store.close()
            }
            // Opened again, as migrated: the same.
            let reopened = try HistoryStore(path: path)
            #expect(try reopened.jobs() == jobs)
            #expect(try reopened.records(jobID: nil).map(\.id) == [1, 2, 3, 4, 5, 6])
            #expect(try Array(reopened.records(jobID: nil).prefix(5)) == Self.version1Records)
        }
    }

    /// A history of a GB (issue 18, defect 4) is not copied whole at start: only the newest records
    /// within the size bound are migrated, and the file is left in incremental auto-vacuum.
    @Test func aVersion1HistoryIsMigratedWithinTheSizeBound() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            try Self.copyFixture("history-v1.sqlite3", to: path)
            // Room for the last two records only: 2 × 128 bytes and their texts.
            let last2 = Self.version1Records.suffix(2).reduce(Int64(0)) { $0 + HistoryStore.size(message: $1.message, title: $1.title) }
            let store = try HistoryStore(path: path, maximumBytes: last2)
            #expect(try store.records(jobID: nil) == Array(Self.version1Records.suffix(2)))
            #expect(store.storedBytes == last2)
            #expect(try store.jobs() == (try Self.version1Jobs()), "the jobs are all kept")
            #expect(try store.database.integer("PRAGMA user_version") == HistoryStore.schemaVersion)
            #expect(try store.database.integer("PRAGMA auto_vacuum") == 2)
            #expect(try store.database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'grdb_migrations'") == 0)
            #expect(try store.append(HistoryStoreTests.record(jobID: "j", timestamp: 1)).id == 6, "ids go on")
        }
    }

    /// Copies `Tests/Fixtures/<name>` to `destination`.
    static func copyFixture(_ name: String, to destination: String) throws {
        let source = fixturesDirectory + "/" + name
        guard let input = fopen(source, "rb") else { throw FixtureError(path: source, reason: String(cString: strerror(errno))) }
        defer { fclose(input) }
        guard let output = fopen(destination, "wb") else {
            throw FixtureError(path: destination, reason: String(cString: strerror(errno)))
        }
        defer { fclose(output) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, input)
            if count == 0 { break }
            guard fwrite(buffer, 1, count, output) == count else {
                throw FixtureError(path: destination, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// `Tests/Fixtures`, found from this source file.
    static var fixturesDirectory: String {
        let file = #filePath
        let tests = file[..<(file.firstRange(of: "/TrainBellDaemonTests/")?.lowerBound ?? file.endIndex)]
        return tests + "/Fixtures"
    }
}

/// A fixture could not be copied.
struct FixtureError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot copy the fixture \(path): \(reason)" }
}

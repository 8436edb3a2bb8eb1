import Glibc
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// Writes `Tests/Fixtures/history-v1.sqlite3` with the GRDB-based store (schema v1) when
/// `TRAINBELL_WRITE_HISTORY_FIXTURE` names the file to write; does nothing otherwise.
@Suite struct HistoryFixtureWriter {
    @Test func writeTheVersion1Fixture() throws {
        guard let target = getenv("TRAINBELL_WRITE_HISTORY_FIXTURE").map({ String(cString: $0) }) else { return }
        let store = try HistoryStore(path: target)
        let (failed, completed) = try HistoryStoreTests.sampleJobs()
        try store.save(failed)
        try store.save(completed)
        let id = try JobID("gpt-tiny")
        try store.save(Job.start(id: id, title: "GPT", totalSteps: 10, now: 1_700_000_000_010_000))
        _ = try store.append(HistoryStoreTests.record(jobID: "gpt-tiny", timestamp: 1_700_000_000_010_500,
                                                      message: "first run"))
        var second = Job.start(id: id, title: "GPT again", totalSteps: 20, now: 1_700_000_000_020_000)
        _ = second.reportProgress(current: 5, now: 1_700_000_000_020_100)
        try store.save(second)
        let records = HistoryStoreTests.sampleRecords()
        for record in records { _ = try store.append(record) }
        var odd = HistoryStoreTests.record(jobID: "gpt-tiny", timestamp: 1_700_000_000_020_500, message: "second run")
        odd.event.actions = [
            NotificationAction(key: "a/b", label: "quote \" backslash \\ tab \t newline \n ctrl \u{01} 🧠 日本"),
            .details,
        ]
        odd.event.taskbarProgress = 0.25
        _ = try store.append(odd)
        try store.updateDelivery(recordID: 1, delivery: .shown, serverID: 77)
        try store.close()
    }
}

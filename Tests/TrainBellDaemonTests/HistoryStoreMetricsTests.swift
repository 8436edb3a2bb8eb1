import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// The jobs' metric series in the history: round trips, a version 2 file brought to version 3,
/// and retention taking the metrics of the jobs it removes.
@Suite struct HistoryStoreMetricsTests {
    static func series(_ values: [Double]) -> MetricSeries {
        var series = MetricSeries()
        for (index, value) in values.enumerated() { series.append(MetricSample(order: UInt64(index), step: UInt64(index * 10), value: value)) }
        return series
    }

    @Test func seriesRoundTripAcrossAReopenAndReplaceByName() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let job = try JobID("train")
            do {
                let store = try HistoryStore(path: path)
                try store.saveMetrics([("loss", Self.series([1, .nan])), ("acc", Self.series([]))], ofJob: job)
                try store.saveMetrics([("loss", Self.series([3, 2, .infinity]))], ofJob: job)
            }
            let store = try HistoryStore(path: path)
            let (series, unreadable) = try store.metrics(ofJob: job)
            #expect(unreadable.isEmpty)
            #expect(series == ["loss": Self.series([3, 2, .infinity]), "acc": Self.series([])])
            #expect(try store.metrics(ofJob: JobID("other")).series.isEmpty)
            try store.deleteMetrics(ofJob: job)
            #expect(try store.metrics(ofJob: job).series.isEmpty)
        }
    }

    @Test func aVersion3FileGetsTheHostOfItsJobsAndKeepsThem() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            do {
                let store = try HistoryStore(path: path)
                try store.save(Job.start(id: try JobID("old"), title: "Old", totalSteps: 10, now: 1))
                try store.database.execute("DROP TABLE sink_outbox; ALTER TABLE job DROP COLUMN host; PRAGMA user_version = 3")
            }
            let store = try HistoryStore(path: path)
            #expect(try store.database.integer("PRAGMA user_version") == HistoryStore.schemaVersion)
            #expect(try store.jobs().map(\.host) == [""], "a job saved before hosts existed ran here")
            var remote = Job.start(id: try JobID("gpu-07/run-1"), title: "Remote", totalSteps: 10, now: 2)
            remote.host = "gpu-07"
            try store.save(remote)
            #expect(try HistoryStore(path: path).jobs().map(\.host) == ["", "gpu-07"])
        }
    }

    @Test func aVersion2FileGetsTheMetricsTable() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            do {
                let store = try HistoryStore(path: path)
                try store.database.execute("DROP TABLE sink_outbox; DROP TABLE metric_series; ALTER TABLE job DROP COLUMN host; PRAGMA user_version = 2")
            }
            let store = try HistoryStore(path: path)
            #expect(try store.database.integer("PRAGMA user_version") == HistoryStore.schemaVersion)
            try store.saveMetrics([("loss", Self.series([1]))], ofJob: JobID("j"))
            #expect(try store.metrics(ofJob: JobID("j")).series.count == 1)
        }
    }

    @Test func aRowThatDoesNotDecodeIsNamedAndLeftOut() throws {
        let store = try HistoryStore.inMemory()
        try store.database.statement("INSERT INTO metric_series (job_id, name, series) VALUES ('j', 'loss', ?1)").execute([.blob([1, 2, 3])])
        let (series, unreadable) = try store.metrics(ofJob: JobID("j"))
        #expect(series.isEmpty && unreadable == ["loss"])
    }

    @Test func pruneTakesTheMetricsOfTheJobsItRemoves() throws {
        let store = try HistoryStore.inMemory()
        let old = Job.start(id: try JobID("old"), title: "old", totalSteps: 1, now: 0)
        var ended = old
        ended.cancel(now: 1)
        try store.save(ended)
        try store.saveMetrics([("loss", Self.series([1]))], ofJob: ended.id)
        try store.saveMetrics([("loss", Self.series([1]))], ofJob: JobID("running"))
        let running = Job.start(id: try JobID("running"), title: "r", totalSteps: 1, now: 0)
        try store.save(running)
        _ = try store.prune(maxRecords: 100, maxAge: 10, now: 1_000)
        #expect(try store.metrics(ofJob: ended.id).series.isEmpty)
        #expect(try store.metrics(ofJob: running.id).series.count == 1)
    }
}

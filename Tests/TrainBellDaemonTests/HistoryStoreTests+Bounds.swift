import Foundation
import PropertyBased
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// What a large history costs: replies read only what they return, the size bound, failed writes.
extension HistoryStoreTests {
    // MARK: - The count bound as records come

    /// Found at 10,000 jobs: the history held 20,004 records though max-records is 10,000 (the bound
    /// was applied at start and once a day only).
    @Test func theRecordCountBoundHoldsAsRecordsAreAdded() throws {
        try withTemporaryDirectory { directory in
            let store = try HistoryStore(path: directory + "/history.sqlite3")
            store.maximumRecords = 10
            var all: [NotificationRecord] = []
            for index in 0..<57 {
                all.append(try store.append(Self.record(jobID: "job", timestamp: Int64(index), message: "record \(index)")))
                #expect(try store.records(jobID: nil).count == min(index + 1, 10))
            }
            #expect(try store.records(jobID: nil).map(\.id) == all.suffix(10).map(\.id))
            // What the size bound counts follows: exactly the ten records left.
            let kept = all.suffix(10).reduce(Int64(0)) { $0 + HistoryStore.size(message: $1.message, title: $1.title) }
            #expect(store.storedBytes == kept)
            // Lowered at run time (a Reload): the next record brings the count down to the new bound.
            store.maximumRecords = 3
            _ = try store.append(Self.record(jobID: "job", timestamp: 100, message: "after"))
            #expect(try store.records(jobID: nil).count == 3)
        }
    }

    // MARK: - Replies (issue 18, defect 6)

    /// `GetNotifications("")` loaded every record of a 200 MB history to keep the newest 32 MiB.
    @Test func theNewestRecordsOfALargeHistoryAreReadWithoutReadingTheOthers() throws {
        try withTemporaryDirectory { directory in
            let store = try HistoryStore(path: directory + "/history.sqlite3")
            let big = String(repeating: "m", count: 256 << 10)
            var all: [NotificationRecord] = []
            for index in 0..<200 {
                all.append(try store.append(Self.record(jobID: index.isMultiple(of: 2) ? "even" : "odd",
                                                        timestamp: Int64(index), message: "\(index) " + big)))
            }
            // The records that do not fit are unreadable: reading one of them would throw.
            try store.database.execute("UPDATE notification SET actions = 'not json' WHERE id <= 150")
            #expect(throws: HistoryError.self) { try store.records(jobID: nil) }

            let budget: Int64 = 8 << 20
            let reply = try store.newestRecords(jobID: nil, limit: 10_000, budget: budget)
            let each = HistoryStore.size(message: all[199].message, title: all[199].title) + HistoryStore.recordOverhead
            #expect(reply.count == Int(budget / each))
            let newest = reply == Array(all.suffix(reply.count))
            #expect(newest, "the newest records, oldest first")
            #expect(reply.reduce(0) { $0 + $1.message.utf8.count } <= Int(budget))

            let ofOdd = try store.newestRecords(jobID: "odd", limit: 5, budget: budget)
            #expect(ofOdd.map(\.id) == all.filter { $0.jobID == "odd" }.suffix(5).map(\.id))
            #expect(try store.newestRecords(jobID: "none", limit: 5, budget: budget) == [])
            #expect(try store.newestRecords(jobID: nil, limit: 0, budget: budget) == [])
            // A newest record larger than the budget alone: nothing.
            #expect(try store.newestRecords(jobID: nil, limit: 5, budget: each - 1) == [])
        }
    }

    /// The reply is what the daemon kept before, when it trimmed the whole history: the newest
    /// records whose texts and 256 bytes each fit in the budget.
    @Test func newestRecordsAreTheNewestThatFitInTheBudget() async {
        let input = zip(
            zip(Gen.int(in: 0...2), Gen.int(in: 0...600)).array(of: 0...30),
            Gen.int(in: 1...40),
            Gen.int64(in: 0...8_000),
            Gen.int(in: -1...2))
        await propertyCheck(count: 100, input: input) { specs, limit, budget, job in
            let jobID = job < 0 ? nil : String(job)
            do {
                let store = try HistoryStore.inMemory()
                let all = try specs.enumerated().map { index, spec in
                    try store.append(Self.record(jobID: String(spec.0), timestamp: Int64(index),
                                                 message: String(repeating: "é", count: spec.1)))
                }
                var expected: [NotificationRecord] = []
                var left = budget
                for record in all.reversed() where jobID == nil || record.jobID == jobID {
                    left -= Int64(record.message.utf8.count + record.title.utf8.count + 256)
                    guard left >= 0, expected.count < limit else { break }
                    expected.append(record)
                }
                let reply = try store.newestRecords(jobID: jobID, limit: limit, budget: budget)
                #expect(reply == expected.reversed())
            } catch {
                Issue.record(error)
            }
        }
    }

    /// The daemon reads a reply a page at a time: the pages of a window are the window.
    @Test func thePagesOfAReplyWindowAreItsRecordsInOrder() throws {
        let store = try HistoryStore.inMemory()
        let all = try (0..<50).map { index in
            try store.append(Self.record(jobID: index.isMultiple(of: 3) ? "a" : "b", timestamp: Int64(index),
                                         message: String(repeating: "p", count: index * 100)))
        }
        for jobID in [nil, "a", "b"] as [String?] {
            let window = try #require(try store.replyWindow(jobID: jobID, limit: 30, budget: 60_000))
            var pages: [[NotificationRecord]] = []
            var next = window.oldest
            while next <= window.newest {
                let page = try store.records(jobID: jobID, from: next, through: window.newest, limit: 4, budget: 5_000)
                guard let last = page.last else { break }
                pages.append(page)
                next = Int64(last.id) + 1
            }
            let read = pages.flatMap { $0 }
            #expect(read == (try store.newestRecords(jobID: jobID, limit: 30, budget: 60_000)))
            #expect(read.count == window.count)
            #expect(read.last == all.last { jobID == nil || $0.jobID == jobID })
            #expect(pages.allSatisfy { $0.count <= 4 })
            // A page stops after the record that reaches its budget.
            #expect(pages.allSatisfy { page in page.dropLast().reduce(0) { $0 + $1.message.utf8.count + $1.title.utf8.count } < 5_000 })
        }
        #expect(try store.records(jobID: nil, from: 10, through: 9, limit: 4, budget: 5_000) == [])
    }

    // MARK: - Size (issue 18, defect 4)

    /// 800 errors of 1 MB grew the history file to 920 MB: retention counted records and days only.
    @Test func appendKeepsTheHistoryWithinItsSizeBoundTheOldestGoingFirst() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            let bound: Int64 = 4 << 20
            store.maximumBytes = bound
            let text = String(repeating: "x", count: 100_000)
            var all: [NotificationRecord] = []
            for index in 0..<200 {
                all.append(try store.append(Self.record(jobID: "j", timestamp: Int64(index), message: text)))
                #expect(store.storedBytes <= bound)
            }
            let kept = try store.records(jobID: nil)
            #expect(kept.last == all.last)
            let newest = kept == Array(all.suffix(kept.count))
            #expect(newest, "the oldest records went first")
            #expect(Int64(kept.count) * (100_000 + 128 + 16) > bound * 7 / 8 - 200_000)
            // Freed pages are reused: the file stays near the bound, whatever was written.
            #expect(try store.fileBytes() < bound + (2 << 20))
            #expect(Self.fileSize(path) < bound + (2 << 20))
            // The count reads back after a restart.
            let stored = store.storedBytes
            try store.close()
            #expect(try HistoryStore(path: path).storedBytes == stored)
        }
    }

    @Test func pruneAppliesALoweredSizeBoundAndGivesTheSpaceBack() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            let text = String(repeating: "y", count: 200_000)
            let all = try (0..<100).map { try store.append(Self.record(jobID: "j", timestamp: Int64($0), message: text)) }
            let before = try store.fileBytes()
            #expect(before > 15 << 20)
            store.maximumBytes = 2 << 20
            let removed = try store.prune(maxRecords: .max, maxAge: .max, now: 100)
            let kept = try store.records(jobID: nil)
            #expect(removed == 100 - kept.count)
            #expect(kept == Array(all.suffix(kept.count)))
            #expect(store.storedBytes <= 2 << 20)
            #expect(kept.count == Int((2 << 20) / (200_000 + Int64("Training Warning".utf8.count) + 128)))
            #expect(try store.fileBytes() < 4 << 20, "the free pages went back to the file system")
        }
    }

    // MARK: - Failed writes (issue 18, defect 7)

    /// On a full disk the caller got record 0 with nothing to tell it apart from a stored record.
    @Test func aFailedAppendStoresNothingSaysTheDiskIsFullAndZeroIsNeverARecord() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            let first = try store.append(Self.record(jobID: "j", timestamp: 1))
            #expect(first.id == 1)
            // SQLite's own limit stands in for a full disk: the same SQLITE_FULL.
            // (A maximum below the current size is raised to it: no page more.)
            let pages = try store.database.integer("PRAGMA page_count")
            #expect(try store.database.integer("PRAGMA max_page_count = 1") == pages)
            let big = String(repeating: "z", count: 200_000)
            let error = #expect(throws: HistoryError.self) {
                try store.append(Self.record(jobID: "j", timestamp: 2, message: big))
            }
            #expect(error?.kind == .diskFull)
            #expect(
                error?.message
                    == "cannot add a warning notification of job \"j\" to the history database \(path): "
                    + "the disk is full (SQLite error 13: database or disk is full)")
            #expect(try store.records(jobID: nil) == [first])
            var job = Job.start(id: try JobID("full"), title: String(repeating: "t", count: 100_000), totalSteps: 1, now: 3)
            job.lastError = big
            let saveError = #expect(throws: HistoryError.self) { try store.save(job) }
            #expect(saveError?.kind == .diskFull)
            // 0 is "not recorded" everywhere.
            #expect(try store.record(id: 0) == nil)
            #expect(try store.message(ofRecord: 0) == nil)
            #expect(try !store.updateDelivery(recordID: 0, delivery: .shown, serverID: 1))
            // Room again: the next append works and takes the next id.
            _ = try store.database.integer("PRAGMA max_page_count = 1000000")
            #expect(try store.append(Self.record(jobID: "j", timestamp: 4)).id == 2)
        }
    }

    @Test func aRecordsMessageReadsBackAloneByItsID() throws {
        let store = try HistoryStore.inMemory()
        let long = String(repeating: "trace line\n", count: 50_000)
        let stored = try store.append(Self.record(jobID: "j", timestamp: 1, message: long))
        #expect(try store.message(ofRecord: stored.id) == long)
        #expect(try store.message(ofRecord: stored.id + 1) == nil)
        try store.prune(maxRecords: 0, maxAge: .max, now: 1)
        #expect(try store.message(ofRecord: stored.id) == nil, "a pruned record's text goes with it")
        #expect(try store.database.integer("SELECT count(*) FROM notification_message") == 0)
    }

    @Test func aClosedStoreSaysSoWithItsKind() throws {
        let store = try HistoryStore.inMemory()
        try store.close()
        let error = #expect(throws: HistoryError.self) { try store.append(Self.record(jobID: "", timestamp: 1)) }
        #expect(error?.kind == .closed)
    }

    /// The size of the file at `path`, in bytes.
    static func fileSize(_ path: String) -> Int64 {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : -1
    }
}

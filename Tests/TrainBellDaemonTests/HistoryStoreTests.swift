import Foundation
import PropertyBased
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// The history store: round trips of jobs and records, restarts after a
/// crash and after a close, retention, errors a user would read.
@Suite struct HistoryStoreTests {
    static let cap = HistoryStore.maximumStoredMessageBytes

    // MARK: - Jobs

    @Test func jobsRoundTripWithEveryFieldAndTheMilestonesSent() throws {
        let store = try HistoryStore.inMemory()
        let (failed, completed) = try Self.sampleJobs()
        try store.save(failed)
        try store.save(completed)
        #expect(try store.jobs() == [failed, completed])
        #expect(try store.jobs()[0].milestones.sent == [10, 33])
    }

    @Test func savingAgainReplacesTheJobAndKeepsItsRun() throws {
        let store = try HistoryStore.inMemory()
        var job = Job.start(id: try JobID("resnet"), title: "ResNet", totalSteps: 100, now: 1_000)
        try store.save(job)
        _ = job.reportProgress(current: 60, now: 2_000)
        try store.save(job)
        #expect(try store.jobs() == [job])
        #expect(try store.jobs()[0].milestones.sent == [25, 50])
        #expect(try store.run(ofJob: job.id) == 1)
    }

    @Test func aNewRunKeepsTheHistoryOfEarlierRunsApart() throws {
        let store = try HistoryStore.inMemory()
        let id = try JobID("gpt-tiny")
        let first = Job.start(id: id, title: "GPT", totalSteps: 10, now: 1_000)
        try store.save(first)
        let firstRecord = try store.append(Self.record(jobID: "gpt-tiny", timestamp: 1_500))
        let second = Job.start(id: id, title: "GPT again", totalSteps: 20, now: 5_000)
        try store.save(second)
        #expect(try store.run(ofJob: id) == 2)
        #expect(try store.jobs() == [second])
        let secondRecord = try store.append(Self.record(jobID: "gpt-tiny", timestamp: 5_500))

        #expect(try store.records(jobID: "gpt-tiny") == [firstRecord, secondRecord])
        #expect(try store.records(jobID: "gpt-tiny", run: 1) == [firstRecord])
        #expect(try store.records(jobID: "gpt-tiny", run: 2) == [secondRecord])

        // Deleting the job keeps its records; the id's next run counts on.
        #expect(try store.deleteJob(id: id))
        #expect(try store.jobs().isEmpty)
        #expect(try store.run(ofJob: id) == nil)
        #expect(try store.records(jobID: "gpt-tiny") == [firstRecord, secondRecord])
        try store.save(Job.start(id: id, title: "GPT", totalSteps: 5, now: 9_000))
        #expect(try store.run(ofJob: id) == 3)
        #expect(try !store.deleteJob(id: try JobID("never-stored")))
    }

    // MARK: - Records

    @Test func recordsRoundTripWithEveryFieldAndTakeTheIdOfTheHistory() throws {
        let store = try HistoryStore.inMemory()
        let originals = Self.sampleRecords()
        var stored: [NotificationRecord] = []
        for original in originals {
            stored.append(try store.append(original))
        }
        #expect(stored.map(\.id) == [1, 2, 3])
        for (original, record) in zip(originals, stored) {
            var expected = original
            expected.id = record.id
            #expect(record == expected)
            #expect(try store.record(id: record.id) == expected)
        }
        #expect(try store.records(jobID: nil) == stored)
        #expect(try store.record(id: 4) == nil)
        #expect(try store.record(id: .max) == nil)
    }

    @Test func recordsComeOldestFirstFilteredByJobAndLimitedToTheNewest() throws {
        let store = try HistoryStore.inMemory()
        var all: [NotificationRecord] = []
        for (index, jobID) in ["a", "b", "a", "", "a", "b"].enumerated() {
            // Timestamps out of order: the order is the order of appending.
            all.append(try store.append(Self.record(jobID: jobID, timestamp: Int64(100 - index))))
        }
        let ofA = all.filter { $0.jobID == "a" }
        #expect(try store.records(jobID: nil) == all)
        #expect(try store.records(jobID: "a") == ofA)
        #expect(try store.records(jobID: "") == [all[3]])
        #expect(try store.records(jobID: "unknown") == [])
        #expect(try store.records(jobID: "a", limit: 2) == Array(ofA.suffix(2)))
        #expect(try store.records(jobID: nil, limit: 4) == Array(all.suffix(4)))
        #expect(try store.records(jobID: nil, limit: 100) == all)
        #expect(try store.records(jobID: nil, limit: 0) == [])
        // Records of a job that was never stored belong to no run (0).
        #expect(try store.records(jobID: "a", run: 0) == ofA)
    }

    @Test func aMessageLongerThanTheCapIsCutOnAUTF8BoundaryWithTheMarker() throws {
        let store = try HistoryStore.inMemory()
        // "a" then 3-byte characters: the cut must not split one.
        let long = "a" + String(repeating: "日", count: Self.cap / 3 + 10)
        let length = long.utf8.count
        let stored = try store.append(Self.record(jobID: "j", timestamp: 1, message: long))
        let marker = "\n… [truncated: \(length) bytes in all]"

        #expect(Self.tail(stored.message, marker.utf8.count) == marker)
        #expect(stored.message.utf8.count <= Self.cap)
        #expect(stored.message.utf8.count > Self.cap - 3)
        let kept = stored.message.utf8.dropLast(marker.utf8.count)
        let isPrefix = long.utf8.starts(with: kept)
        #expect(isPrefix, "the text before the marker is the start of the message")
        let readBack = try store.record(id: stored.id) == stored
        #expect(readBack, "the stored record reads back as append returned it")
    }

    @Test func aMessageOfExactlyTheCapIsKeptWhole() throws {
        let store = try HistoryStore.inMemory()
        let exact = String(repeating: "x", count: Self.cap)
        let whole = try store.append(Self.record(jobID: "j", timestamp: 1, message: exact)).message == exact
        #expect(whole, "a message of exactly the cap is stored whole")
        let over = exact + "y"
        let cut = try store.append(Self.record(jobID: "j", timestamp: 2, message: over)).message
        let end = "xxxxxxxx\n… [truncated: \(Self.cap + 1) bytes in all]"
        #expect(Self.tail(cut, end.utf8.count) == end)
        let readBack = try store.records(jobID: "j").map(\.message) == [exact, cut]
        #expect(readBack, "both messages read back as stored")
    }

    /// 800 errors of 1 MiB over 50 jobs left 50 MB of last errors in the job rows, beyond the size bound.
    /// The row keeps at most its cap whatever it is given; a job read back holds at most what `LastError`
    /// promises (4 KiB), also from a file an older trainbelld wrote.
    @Test func aLastErrorLongerThanItsCapIsCutLikeAMessage() throws {
        let store = try HistoryStore.inMemory()
        var job = Job.start(id: try JobID("big-error"), title: "", totalSteps: 0, now: 1)
        _ = job.reportError(message: "E", type: "data_error", now: 2)
        job.lastError = String(repeating: "E", count: Self.cap * 2)
        try store.save(job)
        let restored = try #require(try store.jobs().first?.lastError)
        #expect(restored.utf8.count <= Job.lastErrorLimit)
        #expect(restored.hasSuffix("…") && String(repeating: "E", count: Self.cap).hasPrefix(restored.dropLast()))
        var short = job
        short.lastError = String(repeating: "é", count: Job.lastErrorLimit / 2)
        try store.save(short)
        #expect(try store.jobs().first?.lastError == short.lastError, "a last error within the limit is kept whole")
    }

    @Test func nulCharactersAreStoredAsReplacementCharacters() throws {
        let store = try HistoryStore.inMemory()
        let stored = try store.append(Self.record(jobID: "j", timestamp: 1, message: "before\0after"))
        #expect(stored.message == "before\u{FFFD}after")
        #expect(try store.records(jobID: "j").map(\.message) == ["before\u{FFFD}after"])
    }

    @Test func updateDeliveryRecordsAQueuedNotificationShownLater() throws {
        let store = try HistoryStore.inMemory()
        var queued = Self.record(jobID: "j", timestamp: 1)
        queued.delivery = .queued
        let stored = try store.append(queued)
        #expect(try store.updateDelivery(recordID: stored.id, delivery: .shown, serverID: 42))
        var expected = stored
        expected.delivery = .shown
        expected.serverID = 42
        #expect(try store.record(id: stored.id) == expected)
        #expect(try !store.updateDelivery(recordID: 99, delivery: .shown, serverID: 1))
        #expect(try !store.updateDelivery(recordID: .max, delivery: .shown, serverID: 1))
    }

    // MARK: - Retention

    @Test func pruneByCountKeepsTheNewestAndNeverReusesIds() throws {
        let store = try HistoryStore.inMemory()
        let all = try (1...10).map { try store.append(Self.record(jobID: "j", timestamp: Int64($0))) }
        #expect(try store.prune(maxRecords: 3, maxAge: .max, now: 10) == 7)
        #expect(try store.records(jobID: nil) == Array(all.suffix(3)))
        #expect(try store.prune(maxRecords: 3, maxAge: .max, now: 10) == 0)
        #expect(try store.append(Self.record(jobID: "j", timestamp: 11)).id == 11)
        #expect(try store.prune(maxRecords: 0, maxAge: .max, now: 11) == 4)
        #expect(try store.records(jobID: nil) == [])
        #expect(try store.append(Self.record(jobID: "j", timestamp: 12)).id == 12)
    }

    /// Issue 17, "errors on screen first": a record's id is given out before it is written. Reserved
    /// ids rise above every id ever used (deleted ones and those of an earlier process included), a
    /// record is stored under the id reserved for it, and an id whose record was never written is
    /// not given out again by the same store.
    @Test func reservedIdsRiseAboveEveryIdEverUsedAndNameTheRecordWrittenUnderThem() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let first = try HistoryStore(path: path)
            #expect(try first.reserveRecordID() == 1)
            let one = try first.append(Self.record(jobID: "j", timestamp: 1), reservedID: 1)
            #expect(one.id == 1)
            let two = try first.reserveRecordID(), three = try first.reserveRecordID()
            #expect((two, three) == (2, 3))
            // Written out of order, each under its own id; an unreserved append takes the next one.
            #expect(try first.append(Self.record(jobID: "j", timestamp: 3), reservedID: three).id == 3)
            #expect(try first.append(Self.record(jobID: "j", timestamp: 2), reservedID: two).id == 2)
            #expect(try first.append(Self.record(jobID: "j", timestamp: 4)).id == 4)
            // Reserved and never written (its append failed): 5 names no record and is not reused.
            #expect(try first.reserveRecordID() == 5)
            #expect(try first.reserveRecordID() == 6)
            #expect(try first.prune(maxRecords: 0, maxAge: .max, now: 10) == 4)
            try first.close()

            let second = try HistoryStore(path: path)
            // Above every id used before the records were deleted.
            #expect(try second.reserveRecordID() == 5)
            #expect(try second.records(jobID: nil) == [])
            #expect(try second.record(id: 5) == nil)
        }
    }

    @Test func pruneByAgeRemovesWhatIsOlderThanMaxAge() throws {
        let store = try HistoryStore.inMemory()
        let all = try (1...10).map { try store.append(Self.record(jobID: "j", timestamp: Int64($0) * 100)) }
        // Cut-off 500: the record of 500 stays.
        #expect(try store.prune(maxRecords: 100, maxAge: 500, now: 1_000) == 4)
        #expect(try store.records(jobID: nil) == Array(all.dropFirst(4)))
        // Extreme arguments neither trap nor remove what they should not.
        #expect(try store.prune(maxRecords: .max, maxAge: .max, now: .min) == 0)
        #expect(try store.prune(maxRecords: -1, maxAge: .min, now: .max) == 6)
    }

    @Test func pruneRemovesEndedJobsWithoutRecordsOlderThanMaxAge() throws {
        let store = try HistoryStore.inMemory()
        func job(_ id: String, updatedAt: Int64, _ end: (inout Job) -> Void) throws -> Job {
            var job = Job.start(id: try JobID(id), title: id, totalSteps: 10, now: updatedAt)
            end(&job)
            try store.save(job)
            return job
        }
        _ = try job("completed-old", updatedAt: 100) { _ = $0.complete(now: 100) }
        _ = try job("cancelled-old", updatedAt: 110) { $0.cancel(now: 110) }
        _ = try job("failed-old", updatedAt: 120) { _ = $0.reportError(message: "x", type: "t", now: 120) }
        let withRecords = try job("completed-old-with-records", updatedAt: 130) { _ = $0.complete(now: 130) }
        let running = try job("running-old", updatedAt: 140) { _ in }
        let recent = try job("completed-recent", updatedAt: 900) { _ = $0.complete(now: 900) }
        _ = try store.append(Self.record(jobID: "completed-old-with-records", timestamp: 950))

        #expect(try store.prune(maxRecords: 100, maxAge: 500, now: 1_000) == 0)
        #expect(try store.jobs() == [withRecords, running, recent])
    }

    // MARK: - Restart

    @Test func everythingCommittedSurvivesACrash() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/state/trainbell/history.sqlite3"
            let first = try HistoryStore(path: path)
            let (failed, completed) = try Self.sampleJobs()
            try first.save(failed)
            try first.save(completed)
            let records = try Self.sampleRecords().map { try first.append($0) }
            try first.updateDelivery(recordID: records[0].id, delivery: .shown, serverID: 7)
            var expected = records
            expected[0].delivery = .shown
            expected[0].serverID = 7

            // The first store is never closed: a second one opens the file as
            // a daemon restarted after SIGKILL would.
            let second = try HistoryStore(path: path)
            #expect(try second.jobs() == [failed, completed])
            #expect(try second.records(jobID: nil) == expected)

            // The files as a SIGKILL leaves them: the database and its
            // write-ahead log, copied while the stores are open; the shared
            // memory index is left behind, so SQLite rebuilds it from the log.
            try FileManager.default.createDirectory(atPath: directory + "/copy", withIntermediateDirectories: false)
            let copy = directory + "/copy/history.sqlite3"
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
            let recovered = try HistoryStore(path: copy)
            #expect(try recovered.jobs() == [failed, completed])
            #expect(try recovered.records(jobID: nil) == expected)

            #expect(try second.append(Self.record(jobID: "j", timestamp: 9)).id == 4)
            #expect(try first.records(jobID: nil).count == 4)
            try first.close()
        }
    }

    @Test func everythingSurvivesACloseAndReopen() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let first = try HistoryStore(path: path)
            let (failed, completed) = try Self.sampleJobs()
            try first.save(failed)
            try first.save(completed)
            let records = try Self.sampleRecords().map { try first.append($0) }
            try first.close()
            let closed = #expect(throws: HistoryError.self) { try first.jobs() }
            #expect(closed?.message == "cannot read the jobs from the history database \(path): the store was closed")
            try first.close()

            let second = try HistoryStore(path: path)
            #expect(try second.jobs() == [failed, completed])
            #expect(try second.records(jobID: nil) == records)
            #expect(try second.run(ofJob: failed.id) == 1)
        }
    }

    @Test func theDatabaseIsInWALModeWithSynchronousNormal() throws {
        try withTemporaryDirectory { directory in
            let store = try HistoryStore(path: directory + "/history.sqlite3")
            #expect(try store.database.text("PRAGMA journal_mode") == "wal")
            #expect(try store.database.integer("PRAGMA synchronous") == 1)  // NORMAL
            #expect(try store.database.integer("PRAGMA busy_timeout") == 1_000)
            #expect(try store.database.integer("PRAGMA auto_vacuum") == 2)  // INCREMENTAL
            #expect(try store.database.integer("PRAGMA user_version") == HistoryStore.schemaVersion)
        }
    }

    @Test func missingDirectoriesAreMadeWithMode0700AndTheFileWith0600() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/state/trainbell/history.sqlite3"
            _ = try HistoryStore(path: path)
            #expect(try Self.mode(directory + "/state") == 0o700)
            #expect(try Self.mode(directory + "/state/trainbell") == 0o700)
            #expect(try Self.mode(path) == 0o600)
        }
    }

    // MARK: - Errors

    @Test func aFileOfGarbageGivesAClearError() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0xA5, count: 8192)))
            let error = #expect(throws: HistoryError.self) { try HistoryStore(path: path) }
            #expect(
                error?.message
                    == "cannot open the history database \(path): the file is corrupt or is not an SQLite "
                    + "database (it does not begin with the SQLite header); move it away to start an empty history")
            #expect(error?.kind == .corrupt)
        }
    }

    @Test func aDatabaseWithDamagedPagesGivesAnErrorNotACrash() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            _ = try Self.sampleRecords().map { try store.append($0) }
            try store.close()
            // Keep the header page, overwrite every other page.
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: Data(repeating: 0x5A, count: Int(size) - 4096))
            try handle.close()

            let error = #expect(throws: HistoryError.self) {
                let reopened = try HistoryStore(path: path)
                _ = try reopened.records(jobID: nil)
            }
            #expect(error?.message.contains("the history database \(path): the file is corrupt") == true)
        }
    }

    @Test func aParentThatIsAFileGivesAClearError() throws {
        try withTemporaryDirectory { directory in
            let blocker = directory + "/state"
            #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
            let path = blocker + "/trainbell/history.sqlite3"
            let error = #expect(throws: HistoryError.self) { try HistoryStore(path: path) }
            #expect(
                error?.message
                    == "cannot create the directory \(blocker)/trainbell for the history database \(path): "
                    + "Not a directory")
        }
    }

    @Test func aDatabaseFromANewerDaemonIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            try store.database.execute("PRAGMA user_version = 99")
            try store.close()
            let error = #expect(throws: HistoryError.self) { try HistoryStore(path: path) }
            #expect(
                error?.message
                    == "the history database \(path) was written by a newer version of trainbelld (schema version 99; "
                    + "this one writes schema version \(HistoryStore.schemaVersion)); run that version, or move the file away to start an empty history")
            #expect(error?.kind == .newerVersion)
        }
    }

    @Test func anUnknownStoredValueGivesAnErrorNamingIt() throws {
        let store = try HistoryStore.inMemory()
        let stored = try store.append(Self.record(jobID: "j", timestamp: 1))
        try store.database.execute("UPDATE notification SET delivery = 'teleported'")
        let error = #expect(throws: HistoryError.self) { try store.record(id: stored.id) }
        #expect(
            error?.message
                == "cannot read notification 1 from the history database (in memory): "
                + "notification 1 has the unknown delivery \"teleported\"")
    }

    // MARK: - Properties

    @Test func everyAppendedRecordIsReadBackInOrder() async {
        await propertyCheck(count: 100, input: Self.recordsGenerator) { originals in
            do {
                let store = try HistoryStore.inMemory()
                let stored = try originals.map { try store.append($0) }
                let read = try store.records(jobID: nil)
                #expect(read.count == originals.count)
                let readBack = read == stored
                #expect(readBack, "records(jobID: nil) returns the records as append returned them")
                #expect(zip(read, read.dropFirst()).allSatisfy { $0.id < $1.id })
                for (record, original) in zip(read, originals) {
                    Self.expectStored(record, from: original)
                }
                for jobID in Set(originals.map(\.jobID)) {
                    let filtered = try store.records(jobID: jobID) == read.filter { $0.jobID == jobID }
                    #expect(filtered, "records(jobID: \"\(jobID)\") returns that job's records")
                }
            } catch {
                Issue.record(error)
            }
        }
    }

    @Test func pruneKeepsExactlyTheRetainedWindow() async {
        let input = zip(
            Gen.int64(in: 0...1_000).array(of: 0...40),
            Gen.int(in: 0...50),
            Gen.int64(in: 0...1_200),
            Gen.int64(in: 0...1_500))
        await propertyCheck(count: 100, input: input) { timestamps, maxRecords, maxAge, now in
            do {
                let store = try HistoryStore.inMemory()
                let all = try timestamps.enumerated().map { index, timestamp in
                    try store.append(Self.record(jobID: index.isMultiple(of: 2) ? "even" : "odd", timestamp: timestamp))
                }
                let retained = all.suffix(maxRecords).filter { $0.timestamp >= now - maxAge }
                let removed = try store.prune(maxRecords: maxRecords, maxAge: maxAge, now: now)
                #expect(try store.records(jobID: nil) == retained)
                #expect(removed == all.count - retained.count)
            } catch {
                Issue.record(error)
            }
        }
    }

    // MARK: - Generators

    /// Short text from several scripts, emoji, combining marks and controls
    /// other than NUL.
    static let text = Gen<Character>.oneOf(
        Gen.letterOrNumber,
        Gen.character(in: " "..."~"),
        Gen.character(in: "\u{01}"..."\u{1F}"),
        Gen.character(in: "À"..."ž"),
        Gen.character(in: "一"..."龥"),
        Gen.character(in: "😀"..."🙏"),
        Gen.character(in: "\u{0300}"..."\u{036F}")
    ).string(of: 0...12)

    /// Mostly short messages; sometimes one within a few bytes of the cap,
    /// below or above it, with 3-byte characters at varying offsets.
    static let message = Gen<String>.frequency(
        (19, text),
        (
            1,
            zip(Gen.int(in: 0...4), Gen.int(in: -3...3)).map { shift, extra in
                String(repeating: "a", count: shift) + String(repeating: "ab日", count: cap / 5 + extra)
            }
        ))

    static let action = zip(text, text).map { NotificationAction(key: $0, label: $1) }

    static let event = zip(
        Gen<NotificationType>.case,
        text,
        message,
        Gen.int(in: 0...100).optional,
        Gen<Urgency>.case,
        Gen.bool,
        text.optional,
        action.array(of: 0...3),
        Gen.double(in: 0...1).optional,
        Gen.bool
    ).map { type, title, message, milestone, urgency, sound, soundName, actions, progress, respectsDND in
        NotificationEvent(
            type: type, title: title, message: message, milestone: milestone, urgency: urgency, sound: sound,
            soundName: soundName, actions: actions, taskbarProgress: progress, respectsDoNotDisturb: respectsDND)
    }

    static let recordsGenerator = zip(
        event,
        text.optional,
        Gen<String?>.element(of: ["", "a", "b", "日本-run", "x y"]).map { $0 ?? "" },
        Gen.int64(),
        Gen<Delivery>.case,
        Gen.uint32(),
        Gen.uint64()
    ).map { event, errorType, jobID, timestamp, delivery, serverID, id in
        var event = event
        event.errorType = errorType
        return NotificationRecord(
            id: id, jobID: jobID, event: event, timestamp: timestamp, delivery: delivery, serverID: serverID)
    }.array(of: 0...16)

    // MARK: - Helpers

    /// Checks that `stored` is `original` with the history's id, its message
    /// cut with the marker when it was over the cap.
    static func expectStored(
        _ stored: NotificationRecord, from original: NotificationRecord,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var expected = original
        expected.id = stored.id
        let length = original.message.utf8.count
        if length > cap {
            let marker = "\n… [truncated: \(length) bytes in all]"
            let bytes = stored.message.utf8
            #expect(bytes.count <= cap, sourceLocation: sourceLocation)
            #expect(bytes.count > cap - 4, sourceLocation: sourceLocation)
            #expect(tail(stored.message, marker.utf8.count) == marker, sourceLocation: sourceLocation)
            let isPrefix = original.message.utf8.starts(with: bytes.dropLast(marker.utf8.count))
            #expect(isPrefix, "the text before the marker starts the message", sourceLocation: sourceLocation)
            expected.event.message = stored.message
        }
        let same = stored == expected
        #expect(same, "stored \(describe(stored)), expected \(describe(expected))", sourceLocation: sourceLocation)
    }

    /// A failed job with every field set (steps beyond `Int64.max`, custom
    /// milestones, two of them sent) and a completed one with the optional
    /// fields empty.
    static func sampleJobs() throws -> (failed: Job, completed: Job) {
        var failed = Job.start(
            id: try JobID("mnist-β 🧠"), title: "MNIST — ünïcødé 日本", totalSteps: .max,
            appID: "org.example.Trainer.desktop", icon: "/usr/share/icons/trainer.png",
            milestones: try MilestoneSet([10, 33, 90]), now: 1_700_000_000_000_000)
        _ = failed.reportProgress(current: .max / 2, now: 1_700_000_000_000_500)
        _ = failed.reportError(message: "loss is NaN\n\tat step 3", type: "loss_divergence", now: 1_700_000_000_000_900)
        var completed = Job.start(id: try JobID("j"), title: "", totalSteps: 4, now: 1_700_000_000_001_000)
        _ = completed.reportProgress(current: 4, now: 1_700_000_000_002_000)
        #expect(failed.milestones.sent == [10, 33])
        #expect(failed.state == .failed)
        #expect(completed.state == .completed)
        #expect(completed.appID == nil && completed.icon == nil && completed.lastError == nil)
        return (failed, completed)
    }

    /// An error with every field set, an empty custom one, and a progress one.
    static func sampleRecords() -> [NotificationRecord] {
        [
            NotificationRecord(
                id: 999, jobID: "mnist-β 🧠",
                event: NotificationEvent(
                    type: .error, title: "Training Error",
                    message: "CUDA out of memory.\n\tTried to allocate 2.00 GiB — ünïcødé 日本語 👩‍👩‍👧 e\u{301}",
                    urgency: .critical, sound: true, soundName: "dialog-error", actions: [.details, .retry],
                    taskbarProgress: 0.4375, respectsDoNotDisturb: false, errorType: "oom_error"),
                timestamp: 1_700_000_000_000_001, delivery: .heldByServer, serverID: .max),
            NotificationRecord(
                id: 0, jobID: "",
                event: NotificationEvent(
                    type: .custom, title: "", message: "", soundName: "",
                    actions: [NotificationAction(key: "", label: "")], errorType: ""),
                timestamp: 0, delivery: .noServer, serverID: 0),
            NotificationRecord(
                id: 5, jobID: "j",
                event: NotificationEvent(
                    type: .progress, title: "Training Halfway There!", message: "Step 2 of 4", milestone: 50,
                    urgency: .low, taskbarProgress: 0.5),
                timestamp: -1, delivery: .suppressedDoNotDisturb, serverID: 3),
        ]
    }

    /// A plain warning of `jobID` at `timestamp`.
    static func record(jobID: String, timestamp: Int64, message: String = "careful") -> NotificationRecord {
        NotificationRecord(
            id: 0, jobID: jobID,
            event: NotificationEvent(type: .warning, title: "Training Warning", message: message),
            timestamp: timestamp, delivery: .shown, serverID: 1)
    }

    /// The last `count` bytes of `text`, for expectations that print well
    /// when they fail on a message of a mebibyte.
    static func tail(_ text: String, _ count: Int = 48) -> String {
        String(decoding: text.utf8.suffix(count), as: UTF8.self)
    }

    /// `record` with only the ends of a long message, for failure messages.
    static func describe(_ record: NotificationRecord) -> String {
        var shown = record
        if record.message.utf8.count > 200 {
            shown.event.message = "\(record.message.prefix(40))…[\(record.message.utf8.count) bytes]…\(tail(record.message))"
        }
        return String(describing: shown)
    }

    /// The permission bits of the file at `path`.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }
}

/// Runs `body` with a new directory made by `mkdtemp`, removed afterwards
/// with everything in it.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array((base + "/trainbell-history-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else {
        throw TemporaryDirectoryError(reason: String(cString: strerror(errno)))
    }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// `mkdtemp` failed.
struct TemporaryDirectoryError: Error {
    /// `strerror` of its `errno`.
    let reason: String
}

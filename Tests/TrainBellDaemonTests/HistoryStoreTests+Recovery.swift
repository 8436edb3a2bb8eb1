import Foundation
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// Opening a history that cannot be used (issue 18, defect 3): trainbelld exited 1 on a corrupt file or
/// a state directory it could not write, and the user got no notification at all.
extension HistoryStoreTests {
    /// 2023-11-14 22:13:20 UTC.
    static let now: Int64 = 1_700_000_000_000_000

    @Test func aCorruptFileIsMovedAsideWithItsLogAndAFreshHistoryStarts() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
            #expect(FileManager.default.createFile(atPath: path, contents: garbage))
            #expect(FileManager.default.createFile(atPath: path + "-wal", contents: Data("log".utf8)))
            let (store, state) = try HistoryStore.open(path: path, now: Self.now, maximumBytes: 256 << 20)
            #expect(store.maximumBytes == 256 << 20)
            let aside = path + ".corrupt-20231114T221320Z"
            #expect(state == .recovered(movedAside: aside))
            #expect(state.description == "recovered: moved the corrupt file to \(aside); a new history was started")
            #expect(FileManager.default.contents(atPath: aside) == garbage)
            #expect(FileManager.default.contents(atPath: aside + "-wal") == Data("log".utf8))
            #expect(store.path == path)
            let record = try store.append(Self.record(jobID: "j", timestamp: 1))
            #expect(try store.records(jobID: nil) == [record])
            try store.close()
            #expect(try HistoryStore(path: path).records(jobID: nil) == [record])

            // Corrupt again in the same second: a second name.
            #expect(FileManager.default.createFile(atPath: path, contents: garbage))
            #expect(try HistoryStore.open(path: path, now: Self.now).state == .recovered(movedAside: aside + "-2"))
        }
    }

    @Test func damagedPagesFoundAtTheFirstReadMoveTheFileAsideToo() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            _ = try Self.sampleRecords().map { try store.append($0) }
            try store.close()
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: Data(repeating: 0x5A, count: Int(size) - 4096))
            try handle.close()

            let (reopened, state) = try HistoryStore.open(path: path, now: Self.now)
            #expect(state == .recovered(movedAside: path + ".corrupt-20231114T221320Z"))
            #expect(try reopened.records(jobID: nil) == [])
        }
    }

    @Test func aFileOfANewerTrainbelldIsLeftAsItIsAndTheHistoryIsKeptInMemory() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let store = try HistoryStore(path: path)
            _ = try store.append(Self.record(jobID: "j", timestamp: 1))
            try store.database.execute("PRAGMA user_version = 99")
            try store.close()
            let before = FileManager.default.contents(atPath: path)

            let (memory, state) = try HistoryStore.open(path: path, now: Self.now)
            #expect(
                state.description
                    == "in-memory: the history database \(path) was written by a newer version of trainbelld "
                    + "(schema version 99; this one writes schema version \(HistoryStore.schemaVersion)); run that version, or move the file away "
                    + "to start an empty history; the file is left as it is; the history is lost when trainbelld stops")
            #expect(memory.path == "(in memory)")
            _ = try memory.append(Self.record(jobID: "j", timestamp: 2))
            #expect(try memory.records(jobID: nil).count == 1)
            #expect(FileManager.default.contents(atPath: path) == before)
            #expect(!FileManager.default.fileExists(atPath: path + ".corrupt-20231114T221320Z"))
        }
    }

    /// Root writes anywhere: a directory below a regular file is what fails for everyone.
    @Test func aStateDirectoryThatCannotBeMadeKeepsTheHistoryInMemory() throws {
        try withTemporaryDirectory { directory in
            let blocker = directory + "/state"
            #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
            let path = blocker + "/trainbell/history.sqlite3"
            let (store, state) = try HistoryStore.open(path: path, now: Self.now, maximumBytes: 256 << 20)
            #expect(store.maximumBytes == 16 << 20, "a history in memory is bounded smaller")
            store.maximumBytes = nil
            #expect(store.maximumBytes == 16 << 20, "also when the configuration is reloaded")
            store.maximumBytes = 1 << 20
            #expect(store.maximumBytes == 1 << 20)
            #expect(
                state == .memoryOnly(
                    reason: "cannot create the directory \(blocker)/trainbell for the history database \(path): Not a directory"))
            #expect(state.description.hasPrefix("in-memory: cannot create the directory"))
            let job = Job.start(id: try JobID("j"), title: "J", totalSteps: 4, now: 1)
            try store.save(job)
            _ = try store.append(Self.record(jobID: "j", timestamp: 1))
            #expect(try store.jobs() == [job])
            #expect(try store.records(jobID: "j").count == 1)
        }
    }

    @Test func aDatabaseOfSomethingElseIsMovedAside() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/history.sqlite3"
            let other = try Database(path: path)
            try other.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
            try other.close()
            let error = #expect(throws: HistoryError.self) { try HistoryStore(path: path) }
            #expect(error?.kind == .corrupt)
            #expect(
                error?.message
                    == "the history database \(path) holds tables that are not a trainbell history (photos); "
                    + "move it away to start an empty history")
            #expect(try HistoryStore.open(path: path, now: Self.now).state == .recovered(movedAside: path + ".corrupt-20231114T221320Z"))
        }
    }

    @Test func theTimeOfAFileMovedAsideIsUTCInBasicISO8601() {
        #expect(HistoryStore.utcStamp(microseconds: Self.now) == "20231114T221320Z")
        #expect(HistoryStore.utcStamp(microseconds: 0) == "19700101T000000Z")
        #expect(HistoryState.ok.description == "ok")
    }
}

import GRDB
import TrainBellCore

/// The state of jobs, kept so that a restarted daemon knows every job with
/// its progress and the milestones already notified (none is repeated).
extension HistoryStore {
    /// Saves `job`, replacing what was stored for its id.
    ///
    /// Runs are counted here: a `job` whose `startedAt` differs from the
    /// stored one is a new run (`Job.start` stamps every run with its start
    /// time), and ``append(_:)`` tags records with the job's current run. The
    /// first run of an id is 1, or one more than the last run that still has
    /// records when the job row had been deleted.
    ///
    /// A `lastError` is stored like a message, up to
    /// ``maximumStoredMessageBytes``.
    func save(_ job: Job) throws(HistoryError) {
        let id = job.id.rawValue
        let fields: StatementArguments = [
            Self.storedText(job.title),
            Int64(bitPattern: job.totalSteps),
            Int64(bitPattern: job.currentStep),
            job.state.rawValue,
            Self.storedText(job.appID),
            Self.storedText(job.icon),
            job.lastError.map { Self.storedMessage($0) },
            job.startedAt,
            job.updatedAt,
            Self.encodePercentages(job.milestones.milestones.percentages),
            Self.encodePercentages(job.milestones.sent),
        ]
        try transaction("cannot save job \"\(id)\" in") { db in
            // The common case, a job already known: one UPDATE. SQLite
            // evaluates every SET expression on the row as it was, so `run`
            // compares with the old `started_at`.
            let update = try db.cachedStatement(
                sql: """
                    UPDATE job SET title = ?1, total_steps = ?2, current_step = ?3, state = ?4,
                        app_id = ?5, icon = ?6, last_error = ?7,
                        run = run + (started_at <> ?8), started_at = ?8, updated_at = ?9,
                        milestones = ?10, milestones_sent = ?11
                    WHERE id = ?12
                    """)
            try update.execute(arguments: fields + [id])
            guard db.changesCount == 0 else { return }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO job (title, total_steps, current_step, state, app_id, icon, last_error,
                        started_at, updated_at, milestones, milestones_sent, id, run)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                        COALESCE((SELECT MAX(run) FROM notification WHERE job_id = ?12), 0) + 1)
                    """)
            try insert.execute(arguments: fields + [id])
        }
    }

    /// Every stored job, oldest run first, as saved (milestones and the ones
    /// sent included), to restore after a restart.
    func jobs() throws(HistoryError) -> [Job] {
        try access("cannot read the jobs from") { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT id, title, total_steps, current_step, state, app_id, icon, last_error,
                        started_at, updated_at, milestones, milestones_sent
                    FROM job ORDER BY started_at, id
                    """)
            var jobs: [Job] = []
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() {
                jobs.append(try Self.job(from: row))
            }
            return jobs
        }
    }

    /// The run of the job with id `id`: 1 for its first run, counting up with
    /// every new run; nil when no such job is stored.
    func run(ofJob id: JobID) throws(HistoryError) -> Int? {
        try access("cannot read the run of job \"\(id)\" from") { db in
            let statement = try db.cachedStatement(sql: "SELECT run FROM job WHERE id = ?")
            return try Int.fetchOne(statement, arguments: [id.rawValue])
        }
    }

    /// Forgets the job with id `id`; its notification records are kept
    /// (``prune(maxRecords:maxAge:now:)`` removes those).
    ///
    /// - Returns: Whether a job was stored under that id.
    @discardableResult
    func deleteJob(id: JobID) throws(HistoryError) -> Bool {
        try access("cannot delete job \"\(id)\" from") { db in
            try db.cachedStatement(sql: "DELETE FROM job WHERE id = ?").execute(arguments: [id.rawValue])
            return db.changesCount > 0
        }
    }

    // MARK: - Columns

    /// A job from a row of the `SELECT` in ``jobs()``.
    static func job(from row: Row) throws -> Job {
        let idText: String = try row.decode(atIndex: 0)
        let id: JobID
        do {
            id = try JobID(idText)
        } catch {
            throw HistoryCorruptValue(description: "job \"\(idText)\" has an invalid id: \(error.message)")
        }
        let stateText: String = try row.decode(atIndex: 4)
        guard let state = JobState(rawValue: stateText) else {
            throw HistoryCorruptValue(description: "job \"\(idText)\" has the unknown state \"\(stateText)\"")
        }
        let milestonesText: String = try row.decode(atIndex: 10)
        let sentText: String = try row.decode(atIndex: 11)
        guard let percentages = decodePercentages(milestonesText),
            let milestones = try? MilestoneSet(percentages)
        else {
            throw HistoryCorruptValue(
                description: "job \"\(idText)\" has invalid milestones \(milestonesText)")
        }
        guard let sent = decodePercentages(sentText) else {
            throw HistoryCorruptValue(description: "job \"\(idText)\" has invalid sent milestones \(sentText)")
        }
        return Job(
            id: id,
            title: try row.decode(atIndex: 1),
            totalSteps: UInt64(bitPattern: try row.decode(Int64.self, atIndex: 2)),
            currentStep: UInt64(bitPattern: try row.decode(Int64.self, atIndex: 3)),
            state: state,
            appID: try row.decode(atIndex: 5),
            icon: try row.decode(atIndex: 6),
            lastError: try row.decode(atIndex: 7),
            startedAt: try row.decode(atIndex: 8),
            updatedAt: try row.decode(atIndex: 9),
            milestones: MilestoneTracker(milestones: milestones, sent: sent))
    }

    /// Percentages as a JSON array of integers, e.g. `[25,50,75,100]`.
    static func encodePercentages(_ percentages: [Int]) -> String {
        "[" + percentages.map(String.init).joined(separator: ",") + "]"
    }

    /// The integers of a JSON array written by ``encodePercentages(_:)``
    /// (white space allowed); nil when the text is not such an array.
    static func decodePercentages(_ text: String) -> [Int]? {
        let trimmed = text.filter { !$0.isWhitespace }
        guard trimmed.first == "[", trimmed.last == "]" else { return nil }
        let inner = trimmed.dropFirst().dropLast()
        guard !inner.isEmpty else { return [] }
        var percentages: [Int] = []
        for element in inner.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int(element) else { return nil }
            percentages.append(value)
        }
        return percentages
    }
}

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
    /// ``maximumStoredLastErrorBytes``.
    func save(_ job: Job) throws(HistoryError) {
        let id = job.id.rawValue
        let fields: [SQLiteValue] = [
            .text(Self.storedText(job.title)),
            .integer(Int64(bitPattern: job.totalSteps)),
            .integer(Int64(bitPattern: job.currentStep)),
            .text(job.state.rawValue),
            SQLiteValue(Self.storedText(job.appID)),
            SQLiteValue(Self.storedText(job.icon)),
            SQLiteValue(job.lastError.map { Self.storedMessage($0, maximumBytes: Self.maximumStoredLastErrorBytes) }),
            .integer(job.startedAt),
            .integer(job.updatedAt),
            .text(Self.encodePercentages(job.milestones.milestones.percentages)),
            .text(Self.encodePercentages(job.milestones.sent)),
            .text(id),
            .text(Self.storedText(job.host)),
        ]
        try transaction("cannot save job \"\(id)\" in") {
            // The common case, a job already known: one UPDATE. SQLite
            // evaluates every SET expression on the row as it was, so `run`
            // compares with the old `started_at`.
            try database.statement(
                """
                UPDATE job SET title = ?1, total_steps = ?2, current_step = ?3, state = ?4,
                    app_id = ?5, icon = ?6, last_error = ?7,
                    run = run + (started_at <> ?8), started_at = ?8, updated_at = ?9,
                    milestones = ?10, milestones_sent = ?11, host = ?13
                WHERE id = ?12
                """
            ).execute(fields)
            guard database.changes == 0 else { return }
            try database.statement(
                """
                INSERT INTO job (title, total_steps, current_step, state, app_id, icon, last_error,
                    started_at, updated_at, milestones, milestones_sent, id, host, run)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                    COALESCE((SELECT MAX(run) FROM notification WHERE job_id = ?12), 0) + 1)
                """
            ).execute(fields)
        }
    }

    /// Every stored job, oldest run first, as saved (milestones and the ones
    /// sent included), to restore after a restart.
    func jobs() throws(HistoryError) -> [Job] {
        try access("cannot read the jobs from") {
            let statement = try database.statement(
                """
                SELECT id, title, total_steps, current_step, state, app_id, icon, last_error,
                    started_at, updated_at, milestones, milestones_sent, host
                FROM job ORDER BY started_at, id
                """)
            try statement.bind([])
            var jobs: [Job] = []
            while try statement.step() {
                jobs.append(try Self.job(from: statement))
            }
            return jobs
        }
    }

    /// The run of the job with id `id`: 1 for its first run, counting up with
    /// every new run; nil when no such job is stored.
    func run(ofJob id: JobID) throws(HistoryError) -> Int? {
        try access("cannot read the run of job \"\(id)\" from") {
            try database.statement("SELECT run FROM job WHERE id = ?1").integer([.text(id.rawValue)])
                .map { Int(truncatingIfNeeded: $0) }
        }
    }

    /// Forgets the job with id `id`; its notification records are kept
    /// (``prune(maxRecords:maxAge:now:)`` removes those).
    ///
    /// - Returns: Whether a job was stored under that id.
    @discardableResult
    func deleteJob(id: JobID) throws(HistoryError) -> Bool {
        try access("cannot delete job \"\(id)\" from") {
            try database.statement("DELETE FROM job WHERE id = ?1").execute([.text(id.rawValue)])
            return database.changes > 0
        }
    }

    // MARK: - Columns

    /// A job from the current row of the `SELECT` in ``jobs()``.
    static func job(from row: Statement) throws -> Job {
        let idText = row.text(at: 0)
        let id: JobID
        do {
            id = try JobID(idText)
        } catch {
            throw HistoryCorruptValue(description: "job \"\(idText)\" has an invalid id: \(error.message)")
        }
        let stateText = row.text(at: 4)
        guard let state = JobState(rawValue: stateText) else {
            throw HistoryCorruptValue(description: "job \"\(idText)\" has the unknown state \"\(stateText)\"")
        }
        let milestonesText = row.text(at: 10)
        let sentText = row.text(at: 11)
        guard let percentages = decodePercentages(milestonesText),
            let milestones = try? MilestoneSet(percentages)
        else {
            throw HistoryCorruptValue(
                description: "job \"\(idText)\" has invalid milestones \(milestonesText)")
        }
        guard let sent = decodePercentages(sentText) else {
            throw HistoryCorruptValue(description: "job \"\(idText)\" has invalid sent milestones \(sentText)")
        }
        var job = Job(
            id: id,
            title: row.text(at: 1),
            totalSteps: UInt64(bitPattern: row.int64(at: 2)),
            currentStep: UInt64(bitPattern: row.int64(at: 3)),
            state: state,
            appID: row.optionalText(at: 5),
            icon: row.optionalText(at: 6),
            // A file written before the job kept 4 KiB (or by an older trainbelld) may hold more.
            lastError: row.optionalText(at: 7).map { NotificationText.prefix($0, maxUTF8Bytes: Job.lastErrorLimit) },
            startedAt: row.int64(at: 8),
            updatedAt: row.int64(at: 9),
            milestones: MilestoneTracker(milestones: milestones, sent: sent))
        job.host = row.text(at: 12)
        return job
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

import Foundation
import GRDB
import TrainBellCore

/// The notification history: one record per notification decided, shown or
/// not, kept across runs of a job and across restarts, within the bounds
/// set by ``prune(maxRecords:maxAge:now:)``.
extension HistoryStore {
    /// Stores `record` as the newest one and returns it as stored: with the
    /// id the history assigned (the incoming `id` is ignored; ids are never
    /// reused, also after pruning) and the message as kept
    /// (``maximumStoredMessageBytes``). A NaN `taskbarProgress` reads back
    /// as nil: SQLite stores NaN as NULL.
    ///
    /// The record is tagged with the current run of its job (0 when the job
    /// is not stored, e.g. a `Send` without a `job` option), so that the
    /// history of earlier runs stays apart; see ``records(jobID:run:limit:)``.
    func append(_ record: NotificationRecord) throws(HistoryError) -> NotificationRecord {
        var stored = record
        stored.jobID = Self.storedText(record.jobID)
        stored.event.title = Self.storedText(record.title)
        stored.event.message = Self.storedMessage(record.message)
        stored.event.soundName = Self.storedText(record.soundName)
        stored.event.errorType = Self.storedText(record.errorType)
        stored.event.actions = record.actions.map {
            NotificationAction(key: Self.storedText($0.key), label: Self.storedText($0.label))
        }
        let actions = try encodeActions(stored.actions)
        let arguments: StatementArguments = [
            stored.jobID,
            stored.type.rawValue,
            stored.title,
            stored.message,
            stored.milestone,
            stored.urgency.rawValue,
            stored.sound,
            stored.soundName,
            actions,
            stored.taskbarProgress,
            stored.respectsDoNotDisturb,
            stored.errorType,
            stored.timestamp,
            stored.delivery.rawValue,
            Int64(stored.serverID),
        ]
        let id = try access(
            "cannot add a \(record.type.rawValue) notification"
                + (record.jobID.isEmpty ? "" : " of job \"\(record.jobID)\"") + " to"
        ) { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO notification (job_id, run, type, title, message, milestone, urgency,
                        sound, sound_name, actions, taskbar_progress, respect_dnd, error_type,
                        timestamp, delivery, server_id)
                    VALUES (?1, COALESCE((SELECT run FROM job WHERE id = ?1), 0), ?2, ?3, ?4, ?5, ?6,
                        ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                    """)
            try statement.execute(arguments: arguments)
            return db.lastInsertedRowID
        }
        stored.id = UInt64(id)
        return stored
    }

    /// Records what became of a notification after it was stored, e.g. a
    /// `queued` error shown once a notification server appeared.
    ///
    /// - Returns: Whether the record exists (it may have been pruned).
    @discardableResult
    func updateDelivery(recordID: UInt64, delivery: Delivery, serverID: UInt32) throws(HistoryError) -> Bool {
        guard let id = Int64(exactly: recordID) else { return false }
        return try access("cannot update the delivery of notification \(recordID) in") { db in
            try db.cachedStatement(sql: "UPDATE notification SET delivery = ?, server_id = ? WHERE id = ?")
                .execute(arguments: [delivery.rawValue, Int64(serverID), id])
            return db.changesCount > 0
        }
    }

    /// The stored notifications, oldest first (in the order they were
    /// appended).
    ///
    /// - Parameters:
    ///   - jobID: Only this job's records; nil for every job (`""` selects
    ///     the records of `Send` calls without a job).
    ///   - run: Only the records of this run of the job (see
    ///     ``run(ofJob:)``); nil for every run.
    ///   - limit: At most this many: the newest ones, still oldest first;
    ///     nil for all.
    func records(jobID: String?, run: Int? = nil, limit: Int? = nil) throws(HistoryError) -> [NotificationRecord] {
        if let limit, limit <= 0 { return [] }
        var arguments: StatementArguments = []
        var query = RecordQuery()
        if let jobID {
            query.insert(.byJob)
            arguments += [jobID]
        }
        if let run {
            query.insert(.byRun)
            arguments += [run]
        }
        if let limit {
            query.insert(.limited)
            arguments += [limit]
        }
        var records = try access(
            "cannot read the notifications" + (jobID.map { " of job \"\($0)\"" } ?? "") + " from"
        ) { db in
            let statement = try db.cachedStatement(sql: Self.recordQueries[Int(query.rawValue)])
            return try fetchRecords(statement, arguments: arguments)
        }
        if limit != nil {
            // Fetched newest first so that LIMIT keeps the newest.
            records.reverse()
        }
        return records
    }

    /// The record with id `id`, nil when there is none (never stored, or
    /// pruned).
    func record(id: UInt64) throws(HistoryError) -> NotificationRecord? {
        guard let rowID = Int64(exactly: id) else { return nil }
        return try access("cannot read notification \(id) from") { db in
            let statement = try db.cachedStatement(sql: Self.recordByIDQuery)
            return try fetchRecords(statement, arguments: [rowID]).first
        }
    }

    /// Bounds the history, in one transaction.
    ///
    /// Removes the records beyond the newest `maxRecords`, and those older
    /// than `maxAge` (timestamp before `now - maxAge`); then the jobs that
    /// have ended (completed, failed or cancelled), were last updated before
    /// `now - maxAge` and have no record left (a failed run that has not
    /// reported for that long counts as ended here). Running jobs are kept.
    ///
    /// - Parameters:
    ///   - maxRecords: The most records kept (negative counts as 0).
    ///   - maxAge: The age beyond which records go, in microseconds.
    ///   - now: The current time, in microseconds since the Unix epoch.
    /// - Returns: How many records were removed.
    @discardableResult
    func prune(maxRecords: Int, maxAge: Int64, now: Int64) throws(HistoryError) -> Int {
        let (difference, overflow) = now.subtractingReportingOverflow(maxAge)
        let cutoff = overflow ? (maxAge > 0 ? Int64.min : Int64.max) : difference
        return try transaction("cannot prune") { db in
            // OFFSET n finds the newest record beyond the n kept; none when
            // there are n or fewer (`id <= NULL` is never true).
            try db.cachedStatement(
                sql: """
                    DELETE FROM notification
                    WHERE id <= (SELECT id FROM notification ORDER BY id DESC LIMIT 1 OFFSET ?)
                    """
            ).execute(arguments: [max(0, maxRecords)])
            var removed = db.changesCount
            try db.cachedStatement(sql: "DELETE FROM notification WHERE timestamp < ?")
                .execute(arguments: [cutoff])
            removed += db.changesCount
            try db.cachedStatement(
                sql: """
                    DELETE FROM job
                    WHERE state IN ('completed', 'failed', 'cancelled') AND updated_at < ?
                        AND NOT EXISTS (SELECT 1 FROM notification WHERE notification.job_id = job.id)
                    """
            ).execute(arguments: [cutoff])
            return removed
        }
    }

    // MARK: - Columns

    /// The columns read for a ``NotificationRecord``, in the order
    /// ``record(from:)`` decodes them.
    static let recordColumns = """
        id, job_id, type, title, message, milestone, urgency, sound, sound_name, actions,
        taskbar_progress, respect_dnd, error_type, timestamp, delivery, server_id
        """

    /// The filters of a query of ``records(jobID:run:limit:)``; the raw
    /// value indexes ``recordQueries``.
    struct RecordQuery: OptionSet {
        let rawValue: UInt8
        /// `WHERE job_id = ?`.
        static let byJob = RecordQuery(rawValue: 1)
        /// `WHERE run = ?`.
        static let byRun = RecordQuery(rawValue: 2)
        /// Newest first, `LIMIT ?`.
        static let limited = RecordQuery(rawValue: 4)
    }

    /// The SQL of every ``RecordQuery``, built once; arguments in the order
    /// job, run, limit.
    static let recordQueries: [String] = (0..<8).map { rawValue in
        let query = RecordQuery(rawValue: UInt8(rawValue))
        var conditions: [String] = []
        if query.contains(.byJob) { conditions.append("job_id = ?") }
        if query.contains(.byRun) { conditions.append("run = ?") }
        var sql = "SELECT \(recordColumns) FROM notification"
        if !conditions.isEmpty {
            sql += " WHERE " + conditions.joined(separator: " AND ")
        }
        return sql + (query.contains(.limited) ? " ORDER BY id DESC LIMIT ?" : " ORDER BY id")
    }

    /// The SQL of ``record(id:)``.
    static let recordByIDQuery = "SELECT \(recordColumns) FROM notification WHERE id = ?"

    /// Runs `statement` (which selects ``recordColumns``) and decodes its rows.
    func fetchRecords(_ statement: Statement, arguments: StatementArguments) throws -> [NotificationRecord] {
        var records: [NotificationRecord] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            records.append(try record(from: row))
        }
        return records
    }

    /// A record from a row of ``recordColumns``.
    func record(from row: Row) throws -> NotificationRecord {
        let id: Int64 = try row.decode(atIndex: 0)
        let typeText: String = try row.decode(atIndex: 2)
        guard let type = NotificationType(rawValue: typeText) else {
            throw HistoryCorruptValue(description: "notification \(id) has the unknown type \"\(typeText)\"")
        }
        let urgencyText: String = try row.decode(atIndex: 6)
        guard let urgency = Urgency(rawValue: urgencyText) else {
            throw HistoryCorruptValue(description: "notification \(id) has the unknown urgency \"\(urgencyText)\"")
        }
        let deliveryText: String = try row.decode(atIndex: 14)
        guard let delivery = Delivery(rawValue: deliveryText) else {
            throw HistoryCorruptValue(
                description: "notification \(id) has the unknown delivery \"\(deliveryText)\"")
        }
        let serverIDValue: Int64 = try row.decode(atIndex: 15)
        guard let serverID = UInt32(exactly: serverIDValue), let recordID = UInt64(exactly: id) else {
            throw HistoryCorruptValue(description: "notification \(id) has the invalid server id \(serverIDValue)")
        }
        let actionsText: String = try row.decode(atIndex: 9)
        let actions: [NotificationAction]
        do {
            actions = try decodeActions(actionsText)
        } catch {
            throw HistoryCorruptValue(
                description: "notification \(id) has invalid actions \(actionsText): \(error)")
        }
        let milestone: Int64? = try row.decode(atIndex: 5)
        let event = NotificationEvent(
            type: type,
            title: try row.decode(atIndex: 3),
            message: try row.decode(atIndex: 4),
            milestone: milestone.map { Int(truncatingIfNeeded: $0) },
            urgency: urgency,
            sound: try row.decode(atIndex: 7),
            soundName: try row.decode(atIndex: 8),
            actions: actions,
            taskbarProgress: try row.decode(atIndex: 10),
            respectsDoNotDisturb: try row.decode(atIndex: 11),
            errorType: try row.decode(atIndex: 12))
        return NotificationRecord(
            id: recordID,
            jobID: try row.decode(atIndex: 1),
            event: event,
            timestamp: try row.decode(atIndex: 13),
            delivery: delivery,
            serverID: serverID)
    }

    /// Actions as JSON, `[{"key":"details","label":"View Details"}]`.
    func encodeActions(_ actions: [NotificationAction]) throws(HistoryError) -> String {
        guard !actions.isEmpty else { return "[]" }
        do {
            return String(decoding: try actionEncoder.encode(actions), as: UTF8.self)
        } catch {
            throw HistoryError("cannot encode the actions of a notification for", path: path, cause: error)
        }
    }

    /// The actions of the JSON written by ``encodeActions(_:)``.
    func decodeActions(_ text: String) throws -> [NotificationAction] {
        guard text != "[]" else { return [] }
        return try actionDecoder.decode([NotificationAction].self, from: Data(text.utf8))
    }
}

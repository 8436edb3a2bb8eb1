import TrainBellCore

/// The notification history: one record per notification decided, shown or
/// not, kept across runs of a job and across restarts, within the bounds
/// set by ``prune(maxRecords:maxAge:now:)`` and ``maximumBytes``.
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
    ///
    /// When the record would take the history past ``maximumBytes``, the
    /// oldest records are deleted first, in the same transaction.
    ///
    /// Record ids start at 1: **0 is never the id of a stored record**. When
    /// this throws, nothing was stored (the transaction is rolled back, the
    /// oldest records are kept too); a caller that delivers the notification
    /// anyway gives it the id 0, which the other methods take as "not
    /// recorded" (``record(id:)`` and ``message(ofRecord:)`` return nil,
    /// ``updateDelivery(recordID:delivery:serverID:)`` returns false).
    ///
    /// The record returned holds the full stored message; a caller that
    /// does not want to keep it in memory keeps the id and reads the text
    /// back with ``message(ofRecord:)`` when it is needed.
    ///
    /// - Throws: A ``HistoryError``; its ``HistoryError/kind`` is
    ///   `diskFull` on a full disk.
    /// The id of the next record, given out before the record is written, so that its notification
    /// can go to the screen first (``append(_:reservedID:)`` then writes the record under it). Ids
    /// rise above every id the file ever held and are not given out twice by one store, even when the
    /// append of one fails (that id then names no record; a store opened later may give it again).
    func reserveRecordID() throws(HistoryError) -> UInt64 {
        let next: Int64
        if let known = nextRecordID {
            next = known
        } else {
            next = try access("cannot read the record ids of") {
                // AUTOINCREMENT's counter: above every id ever used, deleted ones included.
                let counter = try database.integer("SELECT seq FROM sqlite_sequence WHERE name = 'notification'") ?? 0
                return max(counter, try database.integer("SELECT max(id) FROM notification") ?? 0) + 1
            }
        }
        nextRecordID = next + 1
        return UInt64(next)
    }

    /// Appends `record` under `reservedID` (from ``reserveRecordID()``), or when that is 0 under the
    /// next id; the id the record has is ignored. Returns the record as stored, with its id.
    func append(_ record: NotificationRecord, reservedID: UInt64 = 0) throws(HistoryError) -> NotificationRecord {
        var stored = record
        stored.jobID = Self.storedText(record.jobID)
        stored.event.title = Self.storedText(record.title)
        stored.event.message = Self.storedMessage(record.message)
        stored.event.soundName = Self.storedText(record.soundName)
        stored.event.errorType = Self.storedText(record.errorType)
        stored.event.actions = record.actions.map {
            NotificationAction(key: Self.storedText($0.key), label: Self.storedText($0.label))
        }
        let size = Self.size(message: stored.message, title: stored.title)
        let columns: [SQLiteValue] = [
            .text(stored.jobID),
            .text(stored.type.rawValue),
            .text(stored.title),
            SQLiteValue(stored.milestone),
            .text(stored.urgency.rawValue),
            SQLiteValue(stored.sound),
            SQLiteValue(stored.soundName),
            .text(ActionListJSON.encode(stored.actions)),
            SQLiteValue(stored.taskbarProgress),
            SQLiteValue(stored.respectsDoNotDisturb),
            SQLiteValue(stored.errorType),
            .integer(stored.timestamp),
            .text(stored.delivery.rawValue),
            .integer(Int64(stored.serverID)),
            .integer(size),
        ]
        let (id, removed) = try transaction(
            "cannot add a \(record.type.rawValue) notification"
                + (record.jobID.isEmpty ? "" : " of job \"\(record.jobID)\"") + " to"
        ) { () throws -> (Int64, Int64) in
            var removed: Int64 = 0
            if let maximumBytes, storedBytes + size > maximumBytes {
                removed = try deleteOldest(atLeast: storedBytes + size - maximumBytes / 8 * 7)
            }
            // A reserved id (reserveRecordID) is used as given; 0 takes the next one.
            try database.statement(
                """
                INSERT INTO notification (id, job_id, run, type, title, milestone, urgency, sound, sound_name,
                    actions, taskbar_progress, respect_dnd, error_type, timestamp, delivery, server_id, size)
                VALUES (NULLIF(?16, 0), ?1, COALESCE((SELECT run FROM job WHERE id = ?1), 0), ?2, ?3, ?4, ?5, ?6, ?7,
                    ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                """
            ).execute(columns + [.integer(Int64(bitPattern: reservedID))])
            let id = database.lastInsertRowID
            try database.statement("INSERT INTO notification_message (id, message) VALUES (?1, ?2)")
                .execute([.integer(id), .text(stored.message)])
            // The count bound, as records come (not only at the daily prune): ids are never reused and
            // rise by one a record (by more only after an append failed), so those at or below
            // id − maximumRecords are beyond the newest maximumRecords. Usually one row, found by the
            // primary key.
            if let maximumRecords, id > Int64(max(0, maximumRecords)) {
                removed += try deleteRecords(throughID: id - Int64(max(0, maximumRecords)))
            }
            return (id, removed)
        }
        account(size - removed)
        if let next = nextRecordID, next <= id { nextRecordID = id + 1 }
        stored.id = UInt64(id)
        return stored
    }

    /// What a record counts for: ``recordOverhead`` and the UTF-8 bytes of
    /// its message and title.
    static func size(message: String, title: String) -> Int64 {
        Int64(message.utf8.count + title.utf8.count) + recordOverhead
    }

    /// Deletes the oldest records until they counted for at least `bytes`;
    /// returns what they counted for. Runs inside a transaction.
    private func deleteOldest(atLeast bytes: Int64) throws -> Int64 {
        let sizes = try database.statement("SELECT id, size FROM notification ORDER BY id")
        try sizes.bind([])
        var removed: Int64 = 0
        var last: Int64?
        while removed < bytes, try sizes.step() {
            last = sizes.int64(at: 0)
            removed += sizes.int64(at: 1)
        }
        sizes.reset()
        guard let last else { return 0 }
        try database.statement("DELETE FROM notification WHERE id <= ?1").execute([.integer(last)])
        return removed
    }

    /// Deletes the records with ids up to `last`; returns what they counted for. Runs inside a
    /// transaction.
    private func deleteRecords(throughID last: Int64) throws -> Int64 {
        let sizes = try database.statement("SELECT count(*), coalesce(sum(size), 0) FROM notification WHERE id <= ?1")
        try sizes.bind([.integer(last)])
        let (rows, counted) = try sizes.step() ? (sizes.int64(at: 0), sizes.int64(at: 1)) : (0, 0)
        sizes.reset()
        guard rows > 0 else { return 0 }
        try database.statement("DELETE FROM notification WHERE id <= ?1").execute([.integer(last)])
        return counted
    }

    /// Records what became of a notification after it was stored, e.g. a
    /// `queued` error shown once a notification server appeared.
    ///
    /// - Returns: Whether the record exists (it may have been pruned; 0 is
    ///   never one).
    @discardableResult
    func updateDelivery(recordID: UInt64, delivery: Delivery, serverID: UInt32) throws(HistoryError) -> Bool {
        guard recordID > 0, let id = Int64(exactly: recordID) else { return false }
        return try access("cannot update the delivery of notification \(recordID) in") {
            try database.statement("UPDATE notification SET delivery = ?1, server_id = ?2 WHERE id = ?3")
                .execute([.text(delivery.rawValue), .integer(Int64(serverID)), .integer(id)])
            return database.changes > 0
        }
    }

    /// The stored notifications, oldest first (in the order they were
    /// appended).
    ///
    /// This reads every record selected, messages included: for a reply to a
    /// caller, ``newestRecords(jobID:limit:budget:)`` reads only what fits.
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
        let runValue = SQLiteValue(run)
        let limitValue = SQLiteValue.integer(limit.map { Int64($0) } ?? -1)
        var records = try access(
            "cannot read the notifications" + (jobID.map { " of job \"\($0)\"" } ?? "") + " from"
        ) { () throws -> [NotificationRecord] in
            if let jobID {
                let statement = try database.statement(
                    """
                    SELECT n.id, n.job_id, n.type, n.title, COALESCE(m.message, ''), n.milestone, n.urgency,
                        n.sound, n.sound_name, n.actions, n.taskbar_progress, n.respect_dnd, n.error_type,
                        n.timestamp, n.delivery, n.server_id
                    FROM notification n LEFT JOIN notification_message m ON m.id = n.id
                    WHERE n.job_id = ?1 AND (?2 IS NULL OR n.run = ?2)
                    ORDER BY n.id DESC LIMIT ?3
                    """)
                return try readRecords(statement, [.text(jobID), runValue, limitValue])
            }
            let statement = try database.statement(
                """
                SELECT n.id, n.job_id, n.type, n.title, COALESCE(m.message, ''), n.milestone, n.urgency,
                    n.sound, n.sound_name, n.actions, n.taskbar_progress, n.respect_dnd, n.error_type,
                    n.timestamp, n.delivery, n.server_id
                FROM notification n LEFT JOIN notification_message m ON m.id = n.id
                WHERE ?1 IS NULL OR n.run = ?1
                ORDER BY n.id DESC LIMIT ?2
                """)
            return try readRecords(statement, [runValue, limitValue])
        }
        // Read newest first, so that LIMIT keeps the newest.
        records.reverse()
        return records
    }

    /// The newest records that fit in a reply, as ids: at most `limit` of
    /// them, and only as many as `budget` bytes hold, each counting for its
    /// ``size(message:title:)`` and another ``recordOverhead`` (its other
    /// fields on the bus). The newest record is left out too when it alone
    /// is over the budget.
    struct ReplyWindow: Sendable, Hashable {
        /// The id of the oldest record in the window.
        let oldest: Int64
        /// The id of the newest.
        let newest: Int64
        /// How many records of the job (or of all jobs) it holds.
        let count: Int
    }

    /// The window of the newest records that fit in a reply (see
    /// ``ReplyWindow``), measured from the size column without reading a
    /// record; nil when no record fits (or there is none).
    ///
    /// - Parameter jobID: Only this job's records; nil for every job.
    func replyWindow(jobID: String?, limit: Int, budget: Int64) throws(HistoryError) -> ReplyWindow? {
        guard limit > 0, budget > 0 else { return nil }
        return try access(
            "cannot read the notifications" + (jobID.map { " of job \"\($0)\"" } ?? "") + " from"
        ) { () throws -> ReplyWindow? in
            let sizes =
                if jobID != nil {
                    try database.statement("SELECT id, size FROM notification WHERE job_id = ?1 ORDER BY id DESC")
                } else {
                    try database.statement("SELECT id, size FROM notification ORDER BY id DESC")
                }
            try sizes.bind(jobID.map { [.text($0)] } ?? [])
            defer { sizes.reset() }
            var total: Int64 = 0
            var count = 0
            var newest: Int64?
            var oldest: Int64?
            while count < limit, try sizes.step() {
                total += sizes.int64(at: 1) + Self.recordOverhead
                guard total <= budget else { break }
                let id = sizes.int64(at: 0)
                if newest == nil { newest = id }
                oldest = id
                count += 1
            }
            guard let oldest, let newest else { return nil }
            return ReplyWindow(oldest: oldest, newest: newest, count: count)
        }
    }

    /// A page of the records with ids from `first` through `last`, oldest
    /// first: at most `limit`, and no more than the first whose message and
    /// title bring the page to `budget` bytes (at least one record when
    /// there is one), so that a large reply is read a page at a time.
    ///
    /// - Parameter jobID: Only this job's records; nil for every job.
    func records(
        jobID: String?, from first: Int64, through last: Int64, limit: Int, budget: Int64
    ) throws(HistoryError) -> [NotificationRecord] {
        guard limit > 0, first <= last else { return [] }
        return try access(
            "cannot read the notifications" + (jobID.map { " of job \"\($0)\"" } ?? "") + " from"
        ) { () throws -> [NotificationRecord] in
            let statement: Statement
            let values: [SQLiteValue]
            if let jobID {
                statement = try database.statement(
                    """
                    SELECT n.id, n.job_id, n.type, n.title, COALESCE(m.message, ''), n.milestone, n.urgency,
                        n.sound, n.sound_name, n.actions, n.taskbar_progress, n.respect_dnd, n.error_type,
                        n.timestamp, n.delivery, n.server_id
                    FROM notification n LEFT JOIN notification_message m ON m.id = n.id
                    WHERE n.job_id = ?1 AND n.id >= ?2 AND n.id <= ?3 ORDER BY n.id LIMIT ?4
                    """)
                values = [.text(jobID), .integer(first), .integer(last), .integer(Int64(limit))]
            } else {
                statement = try database.statement(
                    """
                    SELECT n.id, n.job_id, n.type, n.title, COALESCE(m.message, ''), n.milestone, n.urgency,
                        n.sound, n.sound_name, n.actions, n.taskbar_progress, n.respect_dnd, n.error_type,
                        n.timestamp, n.delivery, n.server_id
                    FROM notification n LEFT JOIN notification_message m ON m.id = n.id
                    WHERE n.id >= ?1 AND n.id <= ?2 ORDER BY n.id LIMIT ?3
                    """)
                values = [.integer(first), .integer(last), .integer(Int64(limit))]
            }
            return try readRecords(statement, values, budget: budget)
        }
    }

    /// The newest records that fit in a reply (``replyWindow(jobID:limit:budget:)``), oldest first,
    /// read at once. Only the records returned are read, so the cost is that of the reply, whatever
    /// the size of the history; the daemon reads a large reply a page at a time instead.
    ///
    /// - Parameter jobID: Only this job's records; nil for every job.
    func newestRecords(jobID: String?, limit: Int, budget: Int64) throws(HistoryError) -> [NotificationRecord] {
        guard let window = try replyWindow(jobID: jobID, limit: limit, budget: budget) else { return [] }
        return try records(jobID: jobID, from: window.oldest, through: window.newest, limit: window.count, budget: .max)
    }

    /// The record with id `id`, nil when there is none (never stored, 0, or
    /// pruned).
    func record(id: UInt64) throws(HistoryError) -> NotificationRecord? {
        guard id > 0, let rowID = Int64(exactly: id) else { return nil }
        return try access("cannot read notification \(id) from") {
            let statement = try database.statement(
                """
                SELECT n.id, n.job_id, n.type, n.title, COALESCE(m.message, ''), n.milestone, n.urgency,
                    n.sound, n.sound_name, n.actions, n.taskbar_progress, n.respect_dnd, n.error_type,
                    n.timestamp, n.delivery, n.server_id
                FROM notification n LEFT JOIN notification_message m ON m.id = n.id
                WHERE n.id = ?1
                """)
            return try readRecords(statement, [.integer(rowID)]).first
        }
    }

    /// The full message of record `id` as stored (up to
    /// ``maximumStoredMessageBytes``), for "View Details"; nil when there is
    /// no such record (never stored, 0, or pruned). Reads that text only.
    func message(ofRecord id: UInt64) throws(HistoryError) -> String? {
        guard id > 0, let rowID = Int64(exactly: id) else { return nil }
        return try access("cannot read the message of notification \(id) from") {
            try database.statement("SELECT message FROM notification_message WHERE id = ?1").text([.integer(rowID)])
        }
    }

    /// Bounds the history, in one transaction.
    ///
    /// Removes the records beyond the newest `maxRecords`, those older
    /// than `maxAge` (timestamp before `now - maxAge`), and the oldest ones
    /// beyond ``maximumBytes``; then the jobs that have ended (completed,
    /// failed or cancelled), were last updated before `now - maxAge` and have
    /// no record left (a failed run that has not reported for that long
    /// counts as ended here). Running jobs are kept. When that freed much,
    /// the file is shrunk (incremental vacuum).
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
        let removed = try transaction("cannot prune") { () throws -> Int in
            // OFFSET n finds the newest record beyond the n kept; none when
            // there are n or fewer (`id <= NULL` is never true).
            try database.statement(
                """
                DELETE FROM notification
                WHERE id <= (SELECT id FROM notification ORDER BY id DESC LIMIT 1 OFFSET ?1)
                """
            ).execute([.integer(Int64(max(0, maxRecords)))])
            var removed = database.changes
            try database.statement("DELETE FROM notification WHERE timestamp < ?1").execute([.integer(cutoff)])
            removed += database.changes
            if let maximumBytes {
                let total = try database.integer("SELECT total(size) FROM notification") ?? 0
                if total > maximumBytes {
                    _ = try deleteOldest(atLeast: total - maximumBytes)
                    removed += database.changes
                }
            }
            try database.statement(
                """
                DELETE FROM job
                WHERE state IN ('completed', 'failed', 'cancelled') AND updated_at < ?1
                    AND NOT EXISTS (SELECT 1 FROM notification WHERE notification.job_id = job.id)
                """
            ).execute([.integer(cutoff)])
            // The metrics of a job go with its row.
            try database.statement(
                "DELETE FROM metric_series WHERE NOT EXISTS (SELECT 1 FROM job WHERE job.id = metric_series.job_id)"
            ).execute([])
            return removed
        }
        try recountStoredBytes()
        if removed > 0 { shrinkIfMuchIsFree() }
        return removed
    }

    /// Gives free pages back to the file system when they are more than a
    /// quarter of the file and 4 MiB: a history bound lowered, or much
    /// pruned at once. Free pages below that are left for the next records.
    /// A failure only leaves the file as large as it was.
    private func shrinkIfMuchIsFree() {
        guard let free = try? database.integer("PRAGMA freelist_count"),
            let pages = try? database.integer("PRAGMA page_count"),
            free * pageSize > 4 << 20, free * 4 > pages
        else { return }
        try? database.execute("PRAGMA incremental_vacuum")
    }

    /// The size of the database file as SQLite sees it (pages × page size),
    /// free pages included; the write-ahead log is apart.
    func fileBytes() throws(HistoryError) -> Int64 {
        try access("cannot read the size of") { (try database.integer("PRAGMA page_count") ?? 0) * pageSize }
    }

    // MARK: - Columns

    /// Runs `statement` (which selects the record columns in the order
    /// ``record(from:)`` reads them) and decodes its rows.
    ///
    /// - Parameter budget: Stop after the record whose message and title
    ///   bring what was read to this many bytes.
    func readRecords(_ statement: Statement, _ values: [SQLiteValue], budget: Int64 = .max) throws -> [NotificationRecord] {
        try statement.bind(values)
        defer { statement.reset() }
        var records: [NotificationRecord] = []
        var bytes: Int64 = 0
        while bytes < budget, try statement.step() {
            let record = try record(from: statement)
            bytes += Int64(record.message.utf8.count + record.title.utf8.count)
            records.append(record)
        }
        return records
    }

    /// A record from the current row: `id, job_id, type, title, message,
    /// milestone, urgency, sound, sound_name, actions, taskbar_progress,
    /// respect_dnd, error_type, timestamp, delivery, server_id`.
    func record(from row: Statement) throws -> NotificationRecord {
        let id = row.int64(at: 0)
        let typeText = row.text(at: 2)
        guard let type = NotificationType(rawValue: typeText) else {
            throw HistoryCorruptValue(description: "notification \(id) has the unknown type \"\(typeText)\"")
        }
        let urgencyText = row.text(at: 6)
        guard let urgency = Urgency(rawValue: urgencyText) else {
            throw HistoryCorruptValue(description: "notification \(id) has the unknown urgency \"\(urgencyText)\"")
        }
        let deliveryText = row.text(at: 14)
        guard let delivery = Delivery(rawValue: deliveryText) else {
            throw HistoryCorruptValue(
                description: "notification \(id) has the unknown delivery \"\(deliveryText)\"")
        }
        let serverIDValue = row.int64(at: 15)
        guard let serverID = UInt32(exactly: serverIDValue), let recordID = UInt64(exactly: id) else {
            throw HistoryCorruptValue(description: "notification \(id) has the invalid server id \(serverIDValue)")
        }
        let actionsText = row.text(at: 9)
        guard let actions = ActionListJSON.decode(actionsText) else {
            throw HistoryCorruptValue(description: "notification \(id) has invalid actions \(actionsText)")
        }
        let event = NotificationEvent(
            type: type,
            title: row.text(at: 3),
            message: row.text(at: 4),
            milestone: row.optionalInt64(at: 5).map { Int(truncatingIfNeeded: $0) },
            urgency: urgency,
            sound: row.int64(at: 7) != 0,
            soundName: row.optionalText(at: 8),
            actions: actions,
            taskbarProgress: row.optionalDouble(at: 10),
            respectsDoNotDisturb: row.int64(at: 11) != 0,
            errorType: row.optionalText(at: 12))
        return NotificationRecord(
            id: recordID,
            jobID: row.text(at: 1),
            event: event,
            timestamp: row.int64(at: 13),
            delivery: delivery,
            serverID: serverID)
    }
}

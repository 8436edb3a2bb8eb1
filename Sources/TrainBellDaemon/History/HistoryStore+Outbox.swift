import TrainBellCore

/// The sinks' outbox (schema version 5): an event is written here before a sink is asked to take
/// it, so that nothing is lost to a failure, an outage or a restart; sent and failed items stay a
/// week for `trainbell status` and the summary of what went out while you were away.
extension HistoryStore {
    struct OutboxItem: Sendable, Hashable {
        var id: Int64
        var sink: String
        var event: String
        var attempts: Int
        /// When it may be tried, in microseconds since the epoch.
        var nextAttempt: Int64
        var repeats: Int
        var away: Bool
        /// When it was kept, in microseconds since the epoch.
        var created: Int64 = 0
    }

    struct OutboxCounts: Sendable, Hashable {
        var pending = 0
        var sent = 0
        var failed = 0
        var lastAnswer = ""
    }

    /// Keeps `event` for `sink`; an identical event still pending is counted there instead
    /// (collapsing): identical but for its `time` and `record`, which every event has of its own.
    /// Returns the item's id.
    @discardableResult
    func addToOutbox(sink: String, event: String, away: Bool, now: Int64) throws(HistoryError) -> Int64 {
        try transaction("cannot keep an event for sink \(sink) in") {
            let same = try database.statement("""
                SELECT id FROM sink_outbox WHERE sink = ?1 AND state = 'pending' AND CASE WHEN json_valid(event) AND json_valid(?2)
                THEN json_remove(event, '$.time', '$.record') = json_remove(?2, '$.time', '$.record') ELSE event = ?2 END LIMIT 1
                """)
            if let id = try same.integer([.text(sink), .text(event)]) {
                try database.statement("UPDATE sink_outbox SET repeats = repeats + 1 WHERE id = ?1").execute([.integer(id)])
                return id
            }
            try database.statement("INSERT INTO sink_outbox (sink, event, created, next_attempt, away) VALUES (?1, ?2, ?3, ?3, ?4)")
                .execute([.text(sink), .text(event), .integer(now), .integer(away ? 1 : 0)])
            let id = database.lastInsertRowID
            try database.statement("DELETE FROM sink_outbox WHERE state != 'pending' AND created < ?1")
                .execute([.integer(now - 7 * 86_400_000_000)])
            return id
        }
    }

    /// The pending items due by `dueBy` (µs), oldest first, at most `limit`: what a pump may send.
    func pendingOutbox(dueBy: Int64 = .max, limit: Int = 100_000) throws(HistoryError) -> [OutboxItem] {
        try access("cannot read the sinks' outbox of") {
            let statement = try database.statement("""
                SELECT id, sink, event, attempts, next_attempt, repeats, away, created FROM sink_outbox
                WHERE state = 'pending' AND next_attempt <= ?1 ORDER BY id LIMIT ?2
                """)
            try statement.bind([.integer(dueBy), .integer(Int64(limit))])
            var items: [OutboxItem] = []
            while try statement.step() {
                items.append(OutboxItem(id: statement.int64(at: 0), sink: statement.text(at: 1), event: statement.text(at: 2),
                                        attempts: Int(statement.int64(at: 3)), nextAttempt: statement.int64(at: 4),
                                        repeats: Int(statement.int64(at: 5)), away: statement.int64(at: 6) != 0,
                                        created: statement.int64(at: 7)))
            }
            return items
        }
    }

    /// The soonest next attempt of a pending item after `after` (µs) of the sinks `sinks`; nil when none.
    func nextOutboxAttempt(after: Int64) throws(HistoryError) -> Int64? {
        try access("cannot read the sinks' outbox of") {
            try database.integer("SELECT MIN(next_attempt) FROM sink_outbox WHERE state = 'pending' AND next_attempt > ?1",
                                 [.integer(after)])
        }
    }

    /// Marks item `id` sent (`failed`: given up) with what the sink answered. `sentRepeats`: the
    /// count the sent message carried; repeats that came while it was in flight stay pending, due now.
    func finishOutbox(_ id: Int64, failed: Bool, answer: String, sentRepeats: Int = 0, now: Int64 = 0) throws(HistoryError) {
        try transaction("cannot mark an outbox item in") {
            if !failed && sentRepeats > 0 {
                try database.statement("""
                    UPDATE sink_outbox SET repeats = repeats - ?2, attempts = 0, next_attempt = ?3, answer = ?4
                    WHERE id = ?1 AND state = 'pending' AND repeats > ?2
                    """).execute([.integer(id), .integer(Int64(sentRepeats)), .integer(now), .text(answer)])
                if try database.integer("SELECT changes()") ?? 0 > 0 { return }
            }
            try database.statement("UPDATE sink_outbox SET state = ?2, answer = ?3, attempts = attempts + 1 WHERE id = ?1")
                .execute([.integer(id), .text(failed ? "failed" : "sent"), .text(answer)])
        }
    }

    /// Notes a failed attempt of item `id`: tried again at `next`.
    func retryOutbox(_ id: Int64, next: Int64, answer: String) throws(HistoryError) {
        try access("cannot mark an outbox item in") {
            try database.statement("UPDATE sink_outbox SET attempts = attempts + 1, next_attempt = ?2, answer = ?3 WHERE id = ?1")
                .execute([.integer(id), .integer(next), .text(answer)])
        }
    }

    /// Makes what sink `sink` has waiting for its backoff due at `now` (the sink took a message
    /// again: what waited for it need not wait longer); returns how many.
    @discardableResult
    func outboxDueNow(sink: String, now: Int64) throws(HistoryError) -> Int {
        try access("cannot update the sinks' outbox of") {
            try database.statement("UPDATE sink_outbox SET next_attempt = ?2 WHERE sink = ?1 AND state = 'pending' AND next_attempt > ?2")
                .execute([.text(sink), .integer(now)])
            return Int(try database.integer("SELECT changes()") ?? 0)
        }
    }

    /// Per sink: what waits, what went, what failed for good, and the last answer.
    /// (Sinks no longer configured are in it too: their events wait for a sink of that name.)
    func outboxCounts() throws(HistoryError) -> [String: OutboxCounts] {
        try access("cannot read the sinks' outbox of") {
            let statement = try database.statement("SELECT sink, state, COUNT(*) FROM sink_outbox GROUP BY sink, state")
            var counts: [String: OutboxCounts] = [:]
            while try statement.step() {
                let count = Int(statement.int64(at: 2))
                switch statement.text(at: 1) {
                case "pending": counts[statement.text(at: 0), default: OutboxCounts()].pending = count
                case "sent": counts[statement.text(at: 0), default: OutboxCounts()].sent = count
                default: counts[statement.text(at: 0), default: OutboxCounts()].failed = count
                }
            }
            let answers = try database.statement(
                "SELECT sink, answer FROM sink_outbox WHERE id IN (SELECT MAX(id) FROM sink_outbox WHERE attempts > 0 GROUP BY sink)")
            while try answers.step() { counts[answers.text(at: 0), default: OutboxCounts()].lastAnswer = answers.text(at: 1) }
            return counts
        }
    }

    /// The events sent while away since `since` (µs), per sink, for the summary at your return.
    func sentWhileAway(since: Int64) throws(HistoryError) -> [(sink: String, event: String)] {
        try access("cannot read the sinks' outbox of") {
            let statement = try database.statement(
                "SELECT sink, event FROM sink_outbox WHERE away = 1 AND state = 'sent' AND created >= ?1 ORDER BY id")
            try statement.bind([.integer(since)])
            var rows: [(String, String)] = []
            while try statement.step() { rows.append((statement.text(at: 0), statement.text(at: 1))) }
            return rows
        }
    }
}

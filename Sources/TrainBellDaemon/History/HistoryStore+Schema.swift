/// The schema of the history database and its migrations. The version is in
/// `PRAGMA user_version`.
///
/// Version 5 (this one) adds the sinks' outbox (`version4To5`), version 4 the jobs' host. Version 3: version 2 and the jobs' metrics (`ReportMetrics`), a
/// row per job and metric holding its downsampled series
/// (`MetricSeries.encoded`), so that a restarted daemon answers `GetMetrics`:
///
/// ```sql
/// CREATE TABLE metric_series (
///   job_id TEXT NOT NULL, name TEXT NOT NULL,
///   series BLOB NOT NULL,              -- MetricSeries.encoded
///   PRIMARY KEY (job_id, name)
/// ) WITHOUT ROWID;
/// ```
///
/// Version 2: the texts of notifications in a table of their
/// own, so that reading the list of records, measuring it for a reply or for
/// the size bound never reads a message.
///
/// ```sql
/// CREATE TABLE job (
///   id TEXT PRIMARY KEY NOT NULL,      -- JobID
///   run INTEGER NOT NULL,              -- 1 for the first run of this id, +1 per new run
///   title TEXT NOT NULL,
///   total_steps INTEGER NOT NULL,      -- UInt64 stored as its Int64 bit pattern
///   current_step INTEGER NOT NULL,     -- likewise
///   state TEXT NOT NULL,               -- running, completed, failed, cancelled
///   app_id TEXT, icon TEXT, last_error TEXT,
///   started_at INTEGER NOT NULL,       -- µs since the Unix epoch
///   updated_at INTEGER NOT NULL,
///   milestones TEXT NOT NULL,          -- JSON array: the configured percentages
///   milestones_sent TEXT NOT NULL,     -- JSON array: those notified in this run
///   host TEXT NOT NULL DEFAULT ''      -- version 4: where the job runs ("" here)
/// );
/// CREATE TABLE notification (
///   id INTEGER PRIMARY KEY AUTOINCREMENT, -- the record id `t`, from 1; never reused
///   job_id TEXT NOT NULL,              -- "" for a Send without a job
///   run INTEGER NOT NULL,              -- the job's run when appended; 0 if the job was not stored
///   type TEXT NOT NULL, title TEXT NOT NULL,
///   milestone INTEGER, urgency TEXT NOT NULL,
///   sound INTEGER NOT NULL, sound_name TEXT, -- sound: 0 or 1
///   actions TEXT NOT NULL,             -- JSON: [{"key":…,"label":…}]
///   taskbar_progress REAL, respect_dnd INTEGER NOT NULL, error_type TEXT,
///   timestamp INTEGER NOT NULL,        -- µs since the Unix epoch
///   delivery TEXT NOT NULL, server_id INTEGER NOT NULL,
///   size INTEGER NOT NULL              -- what the record counts for: message + title in UTF-8 bytes, + 128
/// );
/// CREATE INDEX notification_on_job_id_id ON notification(job_id, id);
/// CREATE TABLE notification_message (
///   id INTEGER PRIMARY KEY NOT NULL,   -- the record's id
///   message TEXT NOT NULL              -- the full text, up to maximumStoredMessageBytes
/// );
/// -- A record's text goes with it (every DELETE of records, retention included).
/// CREATE TRIGGER notification_message_follows AFTER DELETE ON notification
///   BEGIN DELETE FROM notification_message WHERE id = old.id; END;
/// ```
///
/// Version 1 was written by the GRDB-based store: the same `job` table, and
/// `notification` with the `message` column between `title` and
/// `milestone` and no `size`; its version was the row
/// `v1: job and notification` of GRDB's `grdb_migrations` table
/// (`user_version` 0). It is migrated in place, keeping every job, run,
/// record and id (`Tests/Fixtures/history-v1.sqlite3`).
///
/// A migration, once released, is never edited: a change is a new version.
extension HistoryStore {
    /// The version this trainbelld writes.
    static let schemaVersion: Int64 = 5

    /// The identifier GRDB's migrator stored for version 1.
    static let grdbVersion1 = "v1: job and notification"

    /// What a record counts for beside its texts (its other columns, SQLite's bookkeeping), in
    /// bytes: for ``maximumBytes`` and the budget of a reply.
    static let recordOverhead: Int64 = 128

    /// Refuses a database written by a newer trainbelld, then brings an older
    /// one (or a new, empty file) to ``schemaVersion``.
    func migrate() throws(HistoryError) {
        let version = try access("cannot read the schema version of") {
            try database.integer("PRAGMA user_version") ?? 0
        }
        if version > Self.schemaVersion {
            throw newerVersionError("schema version \(version)")
        }
        if version == Self.schemaVersion { return }
        let tables = try access("cannot read the tables of") { try tableNames() }
        if tables.isEmpty {
            try transaction("cannot set up the tables of") {
                try database.execute(Self.version2)
                try database.execute(Self.version2To3)
                try database.execute(Self.version3To4)
                try database.execute(Self.version4To5)
            }
            return
        }
        if (2...4).contains(version) {
            try transaction("cannot migrate to schema version \(Self.schemaVersion)") {
                if version == 2 { try database.execute(Self.version2To3) }
                if version <= 3 { try database.execute(Self.version3To4) }
                try database.execute(Self.version4To5)
            }
            return
        }
        if version == 0 {
            guard tables.contains("grdb_migrations") else {
                throw HistoryError(
                    "the history database \(path) holds tables that are not a trainbell history "
                        + "(\(tables.sorted().joined(separator: ", "))); move it away to start an empty history",
                    kind: .corrupt)
            }
            let identifiers = try access("cannot read the schema version of") { try grdbMigrations() }
            guard identifiers == [Self.grdbVersion1] else {
                let unknown = identifiers.filter { $0 != Self.grdbVersion1 }
                throw newerVersionError("migrations \(unknown.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        }
        try transaction("cannot migrate to schema version \(Self.schemaVersion)") {
            if let maximumBytes { try deleteVersion1Records(beyond: maximumBytes) }
            try database.execute(Self.version1To2)
            try database.execute(Self.version2To3)
            try database.execute(Self.version3To4)
            try database.execute(Self.version4To5)
        }
        // The file was written without auto_vacuum (GRDB's default): VACUUM switches it to
        // incremental, so that retention gives space back. It rewrites the file; a full disk
        // only leaves it as it was.
        try? database.execute("PRAGMA auto_vacuum = INCREMENTAL; VACUUM")
    }

    /// Deletes the oldest records of a version 1 table beyond `bytes`, counted as version 2 counts
    /// them (``size(message:title:)``), before they are copied. Reads every message once.
    private func deleteVersion1Records(beyond bytes: Int64) throws {
        let sizes = try database.statement(
            "SELECT id, length(CAST(message AS BLOB)) + length(CAST(title AS BLOB)) + 128 FROM notification ORDER BY id DESC")
        try sizes.bind([])
        var total: Int64 = 0
        var cutoff: Int64?
        while try sizes.step() {
            total += sizes.int64(at: 1)
            if total > bytes {
                cutoff = sizes.int64(at: 0)
                break
            }
        }
        sizes.reset()
        if let cutoff {
            try database.statement("DELETE FROM notification WHERE id <= ?1").execute([.integer(cutoff)])
        }
    }

    /// The error for a file of a newer trainbelld, whose version is `what`.
    func newerVersionError(_ what: String) -> HistoryError {
        HistoryError(
            "the history database \(path) was written by a newer version of trainbelld (\(what); "
                + "this one writes schema version \(Self.schemaVersion)); "
                + "run that version, or move the file away to start an empty history",
            kind: .newerVersion)
    }

    /// The tables of the database, SQLite's own left out.
    private func tableNames() throws -> Set<String> {
        let statement = try database.statement(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
        try statement.bind([])
        var names: Set<String> = []
        while try statement.step() { names.insert(statement.text(at: 0)) }
        return names
    }

    /// The identifiers in GRDB's `grdb_migrations` table.
    private func grdbMigrations() throws -> [String] {
        let statement = try database.statement("SELECT identifier FROM grdb_migrations ORDER BY identifier")
        try statement.bind([])
        var identifiers: [String] = []
        while try statement.step() { identifiers.append(statement.text(at: 0)) }
        return identifiers
    }

    /// Version 2 in an empty database.
    static let version2: StaticString = """
        CREATE TABLE job (
            id TEXT PRIMARY KEY NOT NULL, run INTEGER NOT NULL, title TEXT NOT NULL,
            total_steps INTEGER NOT NULL, current_step INTEGER NOT NULL, state TEXT NOT NULL,
            app_id TEXT, icon TEXT, last_error TEXT, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            milestones TEXT NOT NULL, milestones_sent TEXT NOT NULL);
        CREATE TABLE notification (
            id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, run INTEGER NOT NULL,
            type TEXT NOT NULL, title TEXT NOT NULL, milestone INTEGER, urgency TEXT NOT NULL,
            sound INTEGER NOT NULL, sound_name TEXT, actions TEXT NOT NULL, taskbar_progress REAL,
            respect_dnd INTEGER NOT NULL, error_type TEXT, timestamp INTEGER NOT NULL,
            delivery TEXT NOT NULL, server_id INTEGER NOT NULL, size INTEGER NOT NULL);
        CREATE INDEX notification_on_job_id_id ON notification(job_id, id);
        CREATE TABLE notification_message (id INTEGER PRIMARY KEY NOT NULL, message TEXT NOT NULL);
        CREATE TRIGGER notification_message_follows AFTER DELETE ON notification
            BEGIN DELETE FROM notification_message WHERE id = old.id; END;
        PRAGMA user_version = 2;
        """

    /// Version 1 (GRDB's) to 2: the records move to the new tables with their ids, and the
    /// AUTOINCREMENT counter goes on from where it was (ids are never reused, also of records
    /// pruned before). The `job` table is the same in both.
    static let version1To2: StaticString = """
        DROP INDEX IF EXISTS notification_on_job_id_id;
        ALTER TABLE notification RENAME TO notification_v1;
        CREATE TABLE notification (
            id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, run INTEGER NOT NULL,
            type TEXT NOT NULL, title TEXT NOT NULL, milestone INTEGER, urgency TEXT NOT NULL,
            sound INTEGER NOT NULL, sound_name TEXT, actions TEXT NOT NULL, taskbar_progress REAL,
            respect_dnd INTEGER NOT NULL, error_type TEXT, timestamp INTEGER NOT NULL,
            delivery TEXT NOT NULL, server_id INTEGER NOT NULL, size INTEGER NOT NULL);
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'notification', seq FROM sqlite_sequence WHERE name = 'notification_v1';
        INSERT INTO notification (id, job_id, run, type, title, milestone, urgency, sound, sound_name, actions,
                taskbar_progress, respect_dnd, error_type, timestamp, delivery, server_id, size)
            SELECT id, job_id, run, type, title, milestone, urgency, sound, sound_name, actions,
                taskbar_progress, respect_dnd, error_type, timestamp, delivery, server_id,
                length(CAST(message AS BLOB)) + length(CAST(title AS BLOB)) + 128
            FROM notification_v1 ORDER BY id;
        CREATE TABLE notification_message (id INTEGER PRIMARY KEY NOT NULL, message TEXT NOT NULL);
        INSERT INTO notification_message (id, message) SELECT id, message FROM notification_v1 ORDER BY id;
        DROP TABLE notification_v1;
        CREATE INDEX notification_on_job_id_id ON notification(job_id, id);
        CREATE TRIGGER notification_message_follows AFTER DELETE ON notification
            BEGIN DELETE FROM notification_message WHERE id = old.id; END;
        DROP TABLE grdb_migrations;
        PRAGMA user_version = 2;
        """

    /// Version 2 to 3: the table of the jobs' metric series.
    static let version2To3: StaticString = """
        CREATE TABLE metric_series (
            job_id TEXT NOT NULL, name TEXT NOT NULL, series BLOB NOT NULL,
            PRIMARY KEY (job_id, name)) WITHOUT ROWID;
        PRAGMA user_version = 3;
        """

    /// Version 4: where a job runs (`Job.host`: "" on this desktop, else the remote host).
    static let version3To4: StaticString = """
        ALTER TABLE job ADD COLUMN host TEXT NOT NULL DEFAULT '';
        PRAGMA user_version = 4;
        """

    /// Version 5: the sinks' outbox (`[sink NAME]`): each event is kept here before it is sent,
    /// marked when it was, retried from here across restarts.
    static let version4To5: StaticString = """
        CREATE TABLE sink_outbox (
          id INTEGER PRIMARY KEY,
          sink TEXT NOT NULL,
          event TEXT NOT NULL,
          created INTEGER NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending',
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt INTEGER NOT NULL DEFAULT 0,
          repeats INTEGER NOT NULL DEFAULT 1,
          answer TEXT NOT NULL DEFAULT '',
          away INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sink_outbox_state ON sink_outbox (state, next_attempt);
        PRAGMA user_version = 5;
        """
}

import GRDB

/// The schema of the history database, as versioned migrations.
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
///   milestones_sent TEXT NOT NULL      -- JSON array: those notified in this run
/// );
/// CREATE TABLE notification (
///   id INTEGER PRIMARY KEY AUTOINCREMENT, -- the record id `t`; never reused
///   job_id TEXT NOT NULL,              -- "" for a Send without a job
///   run INTEGER NOT NULL,              -- the job's run when appended; 0 if the job was not stored
///   type TEXT NOT NULL, title TEXT NOT NULL,
///   message TEXT NOT NULL,             -- the full text, up to maximumStoredMessageBytes
///   milestone INTEGER, urgency TEXT NOT NULL,
///   sound BOOLEAN NOT NULL, sound_name TEXT,
///   actions TEXT NOT NULL,             -- JSON: [{"key":…,"label":…}]
///   taskbar_progress DOUBLE, respect_dnd BOOLEAN NOT NULL, error_type TEXT,
///   timestamp INTEGER NOT NULL,        -- µs since the Unix epoch
///   delivery TEXT NOT NULL, server_id INTEGER NOT NULL
/// );
/// CREATE INDEX notification_on_job_id_id ON notification(job_id, id);
/// ```
///
/// A migration, once released, is never edited: changes are new migrations
/// appended to ``migrator``.
extension HistoryStore {
    /// The migrations, in order.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: job and notification") { db in
            try db.create(table: "job") { table in
                table.primaryKey("id", .text)
                table.column("run", .integer).notNull()
                table.column("title", .text).notNull()
                table.column("total_steps", .integer).notNull()
                table.column("current_step", .integer).notNull()
                table.column("state", .text).notNull()
                table.column("app_id", .text)
                table.column("icon", .text)
                table.column("last_error", .text)
                table.column("started_at", .integer).notNull()
                table.column("updated_at", .integer).notNull()
                table.column("milestones", .text).notNull()
                table.column("milestones_sent", .text).notNull()
            }
            try db.create(table: "notification") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("job_id", .text).notNull()
                table.column("run", .integer).notNull()
                table.column("type", .text).notNull()
                table.column("title", .text).notNull()
                table.column("message", .text).notNull()
                table.column("milestone", .integer)
                table.column("urgency", .text).notNull()
                table.column("sound", .boolean).notNull()
                table.column("sound_name", .text)
                table.column("actions", .text).notNull()
                table.column("taskbar_progress", .double)
                table.column("respect_dnd", .boolean).notNull()
                table.column("error_type", .text)
                table.column("timestamp", .integer).notNull()
                table.column("delivery", .text).notNull()
                table.column("server_id", .integer).notNull()
            }
            try db.create(index: "notification_on_job_id_id", on: "notification", columns: ["job_id", "id"])
        }
        return migrator
    }()

    /// Refuses a database written by a newer trainbelld, then applies the
    /// migrations not yet applied.
    func migrate() throws(HistoryError) {
        let superseded = try access("cannot read the schema version of") { db in
            try Self.migrator.hasBeenSuperseded(db)
        }
        if superseded {
            throw HistoryError(
                "the history database \(path) was written by a newer version of trainbelld; "
                    + "run that version, or move the file away to start an empty history")
        }
        do {
            try Self.migrator.migrate(database)
        } catch {
            throw HistoryError("cannot set up the tables of", path: path, cause: error)
        }
    }
}

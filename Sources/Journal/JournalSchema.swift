import GRDB

/// The journal's tables, created and upgraded by GRDB's `DatabaseMigrator`.
///
/// Dates are Unix milliseconds (INTEGER). `opt_outs.status` repeats the aggregate of the leads'
/// statuses so that `journal list --status failed` is an index lookup; every write that changes a
/// lead's status updates it in the same transaction.
enum JournalSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE opt_outs (
                        id TEXT PRIMARY KEY NOT NULL,
                        source TEXT NOT NULL,
                        idempotency_key TEXT,
                        keys TEXT NOT NULL,
                        request_id TEXT,
                        received_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        reason TEXT,
                        status TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX opt_outs_idempotency ON opt_outs(source, idempotency_key);
                    CREATE INDEX opt_outs_received ON opt_outs(received_at);
                    CREATE INDEX opt_outs_status ON opt_outs(status, received_at);
                    CREATE INDEX opt_outs_updated ON opt_outs(updated_at);

                    CREATE TABLE leads (
                        id INTEGER PRIMARY KEY,
                        opt_out_id TEXT NOT NULL REFERENCES opt_outs(id) ON DELETE CASCADE,
                        pearl_id TEXT NOT NULL,
                        lead_id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempt_count INTEGER NOT NULL DEFAULT 0,
                        queued_at INTEGER NOT NULL,
                        next_attempt_at INTEGER,
                        last_error TEXT,
                        problem TEXT,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX leads_opt_out ON leads(opt_out_id, pearl_id, lead_id);
                    CREATE INDEX leads_status ON leads(status, next_attempt_at);

                    CREATE TABLE attempts (
                        id INTEGER PRIMARY KEY,
                        lead_row_id INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                        at INTEGER NOT NULL,
                        outcome TEXT NOT NULL,
                        http_status INTEGER,
                        detail TEXT
                    );
                    CREATE INDEX attempts_lead ON attempts(lead_row_id);

                    CREATE TABLE health (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        checked_at INTEGER NOT NULL
                    );
                    """)
        }
        return migrator
    }
}

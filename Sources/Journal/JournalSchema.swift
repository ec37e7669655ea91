import GRDB

/// The journal's tables, created and upgraded by GRDB's `DatabaseMigrator`.
///
/// Dates are Unix milliseconds (INTEGER). `opt_outs.status` repeats the aggregate of the leads'
/// statuses so that `journal list --status failed` is an index lookup; every write that changes a
/// lead's status updates it in the same transaction.
///
/// `leads` holds every row of work an opt-out asks of NLPearl (`kind`): leads to delete, and phone numbers to put on
/// the account blacklist (`pearl_id` empty, `lead_id` the E.164 number). `suppressions` is the do-not-call register
/// (SPEC §9): one row per normalised key ever acknowledged, never pruned, written in the transaction of the opt-out
/// that brought it. `suppression_removals` keeps every deliberate re-consent, and `settled_leads` remembers the
/// deleted leads of pruned opt-outs, so that enforcing the list never deletes a lead twice.
///
/// `v3-campaigns` (SPEC §10) adds `leads.origin`: NULL for a lead the mapping gave or the request named, `search` for
/// one a search of the campaigns found for the opt-out's keys, `sweep` for one the sweep found in a campaign. A
/// search itself is a row of kind `search` (`pearl_id` the campaign, `lead_id` the contact key searched), so that it
/// is journaled, retried and resumed like a delete. `sweep_state` holds the sweep's cursor while one runs, and the
/// time of the last that completed, so that a restart resumes rather than starts over.
///
/// `v4-lean-indexes` takes out of every append what no query needs: each index is one more B-tree whose page every
/// transaction writes to the WAL. The index on `opt_outs.updated_at`, which every outcome also rewrote, served only
/// the hourly prune, which then ranged over `opt_outs_status` instead (since v6 over `opt_outs_received`:
/// ``Journal/pruneStepSelect``); and the idempotency index holds only opt-outs that have a key.
/// `Benchmarks/journal-floor.py` shows the WAL frames each B-tree costs, and `docs/performance.md` what v4, v5 and v6
/// saved.
///
/// `v5-deleted-at` adds `leads.deleted_at`: the time of the attempt that deleted the lead, when NLPearl answered it
/// plainly (`true`, no detail: ``Journal/Attempt/isPlainDeletion``). That attempt, the last a lead ever has, is kept
/// in the lead's row instead of a row of `attempts`, which spares every delivery's transaction two B-trees
/// (`attempts` and its index); ``RecordReader`` gives it back as the lead's last attempt, as it was written before.
/// Every other attempt is a row of `attempts`, as before.
///
/// `v6-status-indexes-without-deleted` makes both status indexes partial: `leads_status` and `opt_outs_status` hold
/// every row but those `deleted`. Nearly every row ends `deleted`, and no query looks one up by that status: an
/// outcome then only takes the row's entry out of the index, where it moved it to the `deleted` end, a B-tree write
/// and a WAL page per table in every delivery's transaction. The indexes stay small, the rows still at work or worth
/// a look. SQLite uses a partial index only for a query whose `WHERE` repeats the index's own term, so every query
/// over these indexes says ``notDeleted`` (`status != 'deleted'`, `l.status != 'deleted'`); `JournalIndexTests`
/// checks each query's plan. Deleted opt-outs are listed through `opt_outs_received`, newest first, and the prune
/// finds its rows there too (``Journal/prune(olderThan:)``). The migration reads both tables once to build the new
/// indexes, once at the first start: 0.4 s for a million delivered opt-outs of one lead each.
enum JournalSchema {
    /// The term of both partial status indexes, which a query repeats to use them; a query that names its table by
    /// an alias puts the alias in front (`l.` + this).
    static let notDeleted = "status != 'deleted'"

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
        migrator.registerMigration("v2-suppression") { db in
            try db.execute(
                sql: """
                    ALTER TABLE leads ADD COLUMN kind TEXT NOT NULL DEFAULT 'delete';
                    CREATE INDEX leads_target ON leads(pearl_id, lead_id);
                    ALTER TABLE opt_outs ADD COLUMN identifiers TEXT;
                    ALTER TABLE opt_outs ADD COLUMN suppressed_by TEXT;

                    CREATE TABLE suppressions (
                        key TEXT PRIMARY KEY NOT NULL,
                        identifiers TEXT NOT NULL,
                        first_source TEXT NOT NULL,
                        first_opt_out_id TEXT NOT NULL,
                        first_at INTEGER NOT NULL,
                        latest_source TEXT NOT NULL,
                        latest_opt_out_id TEXT NOT NULL,
                        latest_at INTEGER NOT NULL,
                        opt_out_count INTEGER NOT NULL,
                        blacklist TEXT,
                        blacklist_updated_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX suppressions_blacklist ON suppressions(blacklist) WHERE blacklist IS NOT NULL;

                    CREATE TABLE suppression_removals (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL,
                        removed_at INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        removed TEXT NOT NULL
                    );
                    CREATE INDEX suppression_removals_key ON suppression_removals(key);

                    CREATE TABLE settled_leads (
                        pearl_id TEXT NOT NULL,
                        lead_id TEXT NOT NULL,
                        opt_out_id TEXT NOT NULL,
                        settled_at INTEGER NOT NULL,
                        PRIMARY KEY (pearl_id, lead_id)
                    ) WITHOUT ROWID;

                    UPDATE opt_outs SET status = 'suppressed' WHERE status = 'ignored';
                    """)
            try Journal.backfillSuppressions(db)
        }
        migrator.registerMigration("v3-campaigns") { db in
            try db.execute(
                sql: """
                    ALTER TABLE leads ADD COLUMN origin TEXT;

                    CREATE TABLE sweep_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        started_at INTEGER,
                        pearl_id TEXT,
                        skip INTEGER NOT NULL DEFAULT 0,
                        calls INTEGER NOT NULL DEFAULT 0,
                        scanned INTEGER NOT NULL DEFAULT 0,
                        matched INTEGER NOT NULL DEFAULT 0,
                        queued INTEGER NOT NULL DEFAULT 0,
                        last_completed_at INTEGER
                    );
                    """)
        }
        migrator.registerMigration("v4-lean-indexes") { db in
            try db.execute(
                sql: """
                    DROP INDEX opt_outs_updated;
                    DROP INDEX opt_outs_idempotency;
                    CREATE UNIQUE INDEX opt_outs_idempotency ON opt_outs(source, idempotency_key)
                        WHERE idempotency_key IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5-deleted-at") { db in
            try db.execute(
                sql: """
                    ALTER TABLE leads ADD COLUMN deleted_at INTEGER;
                    """)
        }
        migrator.registerMigration("v6-status-indexes-without-deleted") { db in
            try db.execute(
                sql: """
                    DROP INDEX leads_status;
                    CREATE INDEX leads_status ON leads(status, next_attempt_at) WHERE status != 'deleted';
                    DROP INDEX opt_outs_status;
                    CREATE INDEX opt_outs_status ON opt_outs(status, received_at) WHERE status != 'deleted';
                    """)
        }
        return migrator
    }
}

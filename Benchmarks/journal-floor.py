#!/usr/bin/env python3
"""The journal's floor: SQLite's own CPU per opt-out, with the journal's schema and statements and nothing else.

Each opt-out is what the bridge writes for a new contact's opt-out whose lead NLPearl deletes at the first attempt:
the append (its key on the suppression list, the check that no earlier row deleted its lead, an `opt_outs` row and a
`leads` row) in one transaction, and the outcome (the lead's update, which keeps the deleting attempt in its
`deleted_at`, and the opt-out's status) in another, as `Journal+Append.swift`, `Journal+Suppression.swift` and
`Journal+Outcomes.swift` do. The schema is every migration of `Sources/Journal/JournalSchema.swift`, in order.
Contacts opt out in no order of their keys or leads, as a CRM's do. WAL mode, `synchronous=NORMAL`, no fsync: the
figure is CPU only.

Measured in groups of 100 opt-outs per transaction (the best group commit can do) and one per transaction (what an
opt-out costs at 1,000/s, when it is alone), and, for this journal and the folded one below, in groups of six mixed
with the six outcomes before them and checkpointed as the bridge does: the writer's transactions under full load, so
SQLite's share of the bridge's CPU per opt-out there. Python's own cost per statement (a `SELECT ?`) is measured too
and taken off, so what remains is SQLite's. Beside the CPU, the WAL frames written per opt-out are counted: each is a
page written twice (frame header and page) and copied again at the checkpoint, and unlike time it does not vary
between runs.

Three other journals are measured the same way, for scale:

- a *leaner* schema that keeps every query the journal answers today: `opt_outs` clustered on its id (`WITHOUT
  ROWID`, the ids are ordered by time), and the status indexes only over the statuses that are looked up by status
  and change rarely (`queued`, `failed`; `pending`, `failed`);
- the journal *folded*: today's schema, but each opt-out written once, in its final state (its rows `deleted`, the
  attempt in its lead's row), in one transaction instead of an append and an outcome. It is what the journal would
  cost if the outcome were known when the opt-out is written, by a design that calls NLPearl first or writes the
  queryable rows only after the outcome;
- the least a SQLite journal can do: one table without a secondary index, one insert and one update per opt-out.

Last, it says where the WAL frames go, by B-tree (each table and index), in transactions that hold six appends and
the outcomes of the six before them, as the writer mixes them under full load; for opt-outs of one key, as the
benchmarks send, and of three, as a CRM contact's email, phone number and HubSpot id. Every page that a transaction
changes is one frame, so a B-tree that each opt-out writes at a random place (the suppression list's key, a lead by
campaign and lead id) costs a frame or more per opt-out, while one that grows at its end is shared by the group.

    Benchmarks/journal-floor.py [--opt-outs 20000] [--json FILE]

The ceiling it implies, two cores' worth of CPU divided by the floor, is what the bridge could answer if SQLite were
its only work and nothing else ran on the machine; compare it with nginx's throughput in `throughput.py`.
"""
import argparse
import json
import os
import re
import sqlite3
import struct
import tempfile
import time

from benchlib import ROOT, machine

APPEND = [
    # Journal.suppress: the key goes on the suppression list.
    "INSERT OR ROLLBACK INTO suppressions (key, identifiers, first_source, first_opt_out_id, first_at, latest_source,"
    " latest_opt_out_id, latest_at, opt_out_count) VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?4, ?5, 1)"
    " ON CONFLICT(key) DO UPDATE SET latest_source = excluded.latest_source,"
    " latest_opt_out_id = excluded.latest_opt_out_id, latest_at = excluded.latest_at,"
    " opt_out_count = opt_out_count + 1",
    # Journal.deletedBefore: did an earlier opt-out delete this lead?
    "SELECT opt_out_id FROM leads WHERE pearl_id = ?1 AND lead_id = ?2 AND status = 'deleted'"
    " UNION ALL SELECT opt_out_id FROM settled_leads WHERE pearl_id = ?1 AND lead_id = ?2 LIMIT 1",
    "INSERT OR ROLLBACK INTO opt_outs (id, source, idempotency_key, keys, identifiers, request_id, received_at,"
    " updated_at, reason, status, suppressed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT OR ROLLBACK INTO leads (opt_out_id, kind, pearl_id, lead_id, origin, status, queued_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
]
OUTCOME = [
    "SELECT opt_out_id, kind, lead_id FROM leads WHERE id = ?",
    "UPDATE OR ROLLBACK leads SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?, last_error = ?,"
    " problem = ?, updated_at = ?, deleted_at = ? WHERE id = ?",
    "SELECT kind, status FROM leads WHERE opt_out_id = ?",
    "UPDATE OR ROLLBACK opt_outs SET status = ?, updated_at = ? WHERE id = ?",
]
STATEMENTS_PER_OPT_OUT = len(APPEND) + len(OUTCOME)
PAGE_SIZE = 4096  # SQLite's default, which the journal keeps


def schema():
    """Every migration's SQL, in order (the suppression list's backfill is Swift, and has nothing to fill here)."""
    text = open(os.path.join(ROOT, "Sources/Journal/JournalSchema.swift")).read()
    return "\n".join(re.findall(r'sql: """(.*?)"""', text, re.S))


def contact(n):
    """Opt-out n's contact: a bijection of n that scatters consecutive opt-outs over the keys and the leads."""
    return (n * 2654435761) % 4294967291


def leaner_schema():
    """The journal's schema with fewer and smaller indexes, as the module's docstring describes."""
    lean = schema()
    lean = re.sub(r"(CREATE TABLE opt_outs \(.*?\n\s*\))", r"\1 WITHOUT ROWID", lean, flags=re.S)
    # The status indexes as the last migration leaves them (every status but `deleted`), narrower still.
    lean = lean.replace("ON opt_outs(status, received_at) WHERE status != 'deleted';",
                        "ON opt_outs(status, received_at) WHERE status IN ('queued', 'failed');")
    lean = lean.replace("ON leads(status, next_attempt_at) WHERE status != 'deleted';",
                        "ON leads(status, next_attempt_at) WHERE status IN ('pending', 'failed');")
    assert lean.count("WITHOUT ROWID") == schema().count("WITHOUT ROWID") + 1
    assert lean.count("WHERE status IN") == 2
    return lean


def open_journal(path, ddl):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.executescript(ddl)
    return db


def warmed_journal(path, ddl, steps, count):
    """A journal at `path` that already holds `count` opt-outs written by `steps`, as in the throughput runs, with
    its WAL emptied."""
    db = open_journal(path, ddl)
    write(db, count, 100, 0, steps)
    wal_frames(db)
    return db


def wal_frames(db):
    """Frames written to the WAL since the last call, which then empties it."""
    frames = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return frames


def frames_by_btree(db, path, transactions, group, first, keys=1):
    """Where the WAL frames of `transactions` groups of `group` go, by B-tree (table or index) per opt-out, each
    opt-out with `keys` keys.

    Each transaction holds the appends of its group and the outcomes of the group before, as the writer mixes them
    under load. After each, the WAL's frame headers give the pages written, which `dbstat` names."""
    counts = {}
    for t in range(transactions):
        base = first + t * group
        db.execute("BEGIN IMMEDIATE")
        for n in range(base, base + group):
            append(db, n, keys=keys)
            record_outcome(db, n - group)
        db.execute("COMMIT")
        with open(path + "-wal", "rb") as wal:
            data = wal.read()
        names = dict(db.execute("SELECT pageno, name FROM dbstat").fetchall())
        for offset in range(32, len(data) - 23, 24 + PAGE_SIZE):
            name = names.get(struct.unpack(">I", data[offset:offset + 4])[0], "?")
            counts[name] = counts.get(name, 0) + 1
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {name: count / transactions / group for name, count in sorted(counts.items(), key=lambda c: -c[1])}


def append(db, n, status="pending", keys=1):
    """The journal's append of opt-out `n`: its keys on the list, the deleted-before check, its row and its lead's.

    One key, an email, as the benchmarks send; up to three, a CRM contact's email, phone number and HubSpot id."""
    opt_out, now, c = "op_%026d" % n, 1764400000000 + n, contact(n)
    names = ["email:user%d@bench.example" % c, "phone:+1555%07d" % (c % 10000000), "hubspot:%d" % c][:keys]
    pearl, lead = "6720c0f8e4b0a1b2c3d4e5f%d" % (c % 4), "lead-%d" % c
    text = "[%s]" % ",".join('"%s"' % name for name in names)
    for name in names:
        db.execute(APPEND[0], (name, text, "api", opt_out, now))
    db.execute(APPEND[1], (pearl, lead)).fetchall()
    db.execute(APPEND[2], (opt_out, "api", None, text, None, "req_%d" % n, now, now, None, status, None))
    db.execute(APPEND[3], (opt_out, "delete", pearl, lead, None, status, now, now))


def record_outcome(db, n):
    """The journal's record of opt-out `n`'s lead deleted at the first attempt."""
    opt_out, now = "op_%026d" % n, 1764400000000 + n
    db.execute(OUTCOME[0], (n + 1,)).fetchall()
    db.execute(OUTCOME[1], ("deleted", None, None, None, now, now, n + 1))
    db.execute(OUTCOME[2], (opt_out,)).fetchall()
    db.execute(OUTCOME[3], ("deleted", now, opt_out))


def append_final(db, n):
    """Opt-out `n` written once, as it ends: the append's statements with its rows `deleted` (the deleting attempt is
    a column of the lead's row, which the append's statement leaves NULL here: a few bytes)."""
    append(db, n, status="deleted")


MINIMAL = "CREATE TABLE minimal (id INTEGER PRIMARY KEY, body TEXT NOT NULL, status INTEGER NOT NULL)"


def insert_minimal(db, n):
    db.execute("INSERT INTO minimal (id, body, status) VALUES (?, ?, 0)",
               (n, '{"keys":["email:user%d@bench.example"],"lead":"lead-%d"}' % (n, n)))


def update_minimal(db, n):
    db.execute("UPDATE minimal SET status = 1 WHERE id = ?", (n,))


def write(db, count, group, first, steps):
    """CPU seconds to write `count` opt-outs, `group` per transaction: each step's writes of a group in one."""
    start = time.process_time()
    for base in range(first, first + count, group):
        for step in steps:
            db.execute("BEGIN IMMEDIATE")
            for n in range(base, base + group):
                step(db, n)
            db.execute("COMMIT")
    return time.process_time() - start


def write_mixed(db, count, group, first, fold=False):
    """CPU seconds to write `count` opt-outs as the writer mixes them under full load: each transaction holds the
    appends of `group` opt-outs and the outcomes of the `group` before them; folded, only the appends, each opt-out
    written once in its final state. A checkpoint every 90 transactions, as the bridge's every 50 ms under full load,
    keeps the WAL as short as there, and its CPU is counted: the journal's threads spend it."""
    start = time.process_time()
    for transaction, base in enumerate(range(first, first + count, group)):
        if transaction % 90 == 89:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        db.execute("BEGIN IMMEDIATE")
        for n in range(base, base + group):
            if fold:
                append_final(db, n)
            else:
                append(db, n)
                record_outcome(db, n - group)
        db.execute("COMMIT")
    return time.process_time() - start


def python_overhead(db, count=100000):
    start = time.process_time()
    for n in range(count):
        db.execute("SELECT ?", (n,)).fetchall()
    return (time.process_time() - start) / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--opt-outs", type=int, default=20000, help="opt-outs per measured run")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    count = max(400, args.opt_outs // 100 * 100)
    figures = {"machine": machine(), "sqlite_version": sqlite3.sqlite_version}
    print("SQLite %s, %s" % (sqlite3.sqlite_version, figures["machine"]))
    print("per opt-out: SQLite's CPU (Python's own cost per statement taken off) and WAL frames written")
    runs = (("journal", schema(), (append, record_outcome), STATEMENTS_PER_OPT_OUT, ("grouped", "alone")),
            ("leaner", leaner_schema(), (append, record_outcome), STATEMENTS_PER_OPT_OUT, ("grouped", "alone")),
            ("folded", schema(), (append_final,), len(APPEND), ("grouped", "alone")),
            ("minimal", MINIMAL, (insert_minimal, update_minimal), 2, ("grouped",)))
    with tempfile.TemporaryDirectory(prefix="optout-journal-floor-", dir=os.environ.get("BENCH_DIR")) as directory:
        for name, ddl, steps, statements, labels in runs:
            db = warmed_journal(os.path.join(directory, name + ".sqlite"), ddl, steps, count)
            overhead = python_overhead(db)
            figures["python_overhead_per_statement_us"] = overhead * 1e6
            for label in labels:
                group, first, n = (100, count, count) if label == "grouped" else (1, 2 * count, count // 4)
                cpu = write(db, n, group, first, steps) / n - statements * overhead
                figures["%s_%s" % (name, label)] = {"sqlite_cpu_us": cpu * 1e6, "wal_frames": wal_frames(db) / n}
                print("  %-8s %-20s %6.1f us %6.2f frames" % (
                    name, "100 per transaction" if group > 1 else "one per transaction", cpu * 1e6,
                    figures["%s_%s" % (name, label)]["wal_frames"]))
            db.close()
        # The floor at the group commit's batching under full load (about six opt-outs a transaction), where the
        # figures above give the best case (100) and the worst (one).
        for name, fold, statements in (("journal", False, STATEMENTS_PER_OPT_OUT), ("folded", True, len(APPEND))):
            db = warmed_journal(os.path.join(directory, name + "-mixed.sqlite"), schema(), (append,), count)
            overhead = python_overhead(db)
            cpu = write_mixed(db, count // 6 * 6, 6, count, fold) / (count // 6 * 6) - statements * overhead
            figures["%s_groups_of_6" % name] = {"sqlite_cpu_us": cpu * 1e6}
            print("  %-8s %-20s %6.1f us" % (name, "6 per transaction", cpu * 1e6))
            db.close()
        for keys, name in ((1, "frames_by_btree_groups_of_6"), (3, "frames_by_btree_groups_of_6_three_keys")):
            path = os.path.join(directory, "by-btree-%d.sqlite" % keys)
            db = warmed_journal(path, schema(), (lambda db, n: append(db, n, keys=keys), record_outcome), count)
            figures[name] = frames_by_btree(db, path, 100, 6, count, keys)
            db.close()
    print("WAL frames per opt-out by B-tree, in transactions of six appends and six outcomes (the full-load mix):")
    for name, label in (("frames_by_btree_groups_of_6", "one key"),
                        ("frames_by_btree_groups_of_6_three_keys", "three keys (email, phone, HubSpot id)")):
        frames = figures[name]
        print("  %s, %.2f in all: %s" % (label, sum(frames.values()),
                                         ", ".join("%s %.2f" % item for item in frames.items())))
    grouped = figures["journal_grouped"]["sqlite_cpu_us"] / 1e6
    figures["ceiling_two_cores_per_s"] = 2 / grouped
    print("(Python's own cost: %.1f us per statement; the journal makes %d statements per opt-out)"
          % (figures["python_overhead_per_statement_us"], STATEMENTS_PER_OPT_OUT))
    print("ceiling if the journal's SQLite work were the only work on two cores: %.0f opt-outs/s" % (2 / grouped))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()

import type { Database } from "bun:sqlite";
import { copy_uids_sql, outboxTableSql } from "../../notify/outbox-plan.ts";
import { followerStartSql } from "../audit-follow-tables.ts";

// The calendar's tables in SQLite, created by the first calendar edit (`availability ...`), not by
// start-up: a database that never had a calendar keeps exactly the classic schema and page layout
// (a file copied or replaced under a server pairs with its old WAL only if the layouts match).
// Idempotent, so every calendar edit runs it. Availability rules and exceptions, the doctors
// they name (each numbered once, for slot ids), a version bumped by every edit of them (running
// servers poll it), and appointments stored as what was booked: doctor, start instant (UTC epoch
// ms) and length, never a slot position.
export const calendar_tables_sql = [
  `CREATE TABLE IF NOT EXISTS calendar_doctors (
     id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, port INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS calendar_rules (
     id INTEGER PRIMARY KEY AUTOINCREMENT, doctor INTEGER NOT NULL REFERENCES calendar_doctors (id),
     weekdays TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT NOT NULL, minutes INTEGER NOT NULL,
     every_weeks INTEGER NOT NULL DEFAULT 1, nth_of_month TEXT NOT NULL DEFAULT '',
     valid_from TEXT, valid_until TEXT)`,
  `CREATE TABLE IF NOT EXISTS calendar_exceptions (
     id INTEGER PRIMARY KEY AUTOINCREMENT, doctor INTEGER NOT NULL REFERENCES calendar_doctors (id),
     kind TEXT NOT NULL CHECK (kind IN ('away', 'open')), from_date TEXT NOT NULL, to_date TEXT NOT NULL,
     from_time TEXT, to_time TEXT, minutes INTEGER, reason TEXT NOT NULL DEFAULT '')`,
  "CREATE TABLE IF NOT EXISTS calendar_state (version INTEGER NOT NULL)",
  "INSERT INTO calendar_state (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM calendar_state)",
  `CREATE TABLE IF NOT EXISTS appointments (
     doctor INTEGER NOT NULL REFERENCES calendar_doctors (id), start_ms INTEGER NOT NULL,
     minutes INTEGER NOT NULL, patient TEXT NOT NULL, booked_at INTEGER NOT NULL,
     PRIMARY KEY (doctor, start_ms)) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS appointments_by_patient ON appointments (patient)",
  // Appointment types (docs/CALENDAR.md "Appointment types"): a length, buffers, and the clinic's
  // rules for that type where it has its own (minutes; NULL = the clinic's).
  `CREATE TABLE IF NOT EXISTS calendar_types (
     name TEXT PRIMARY KEY, minutes INTEGER NOT NULL, before_min INTEGER NOT NULL DEFAULT 0,
     after_min INTEGER NOT NULL DEFAULT 0, min_notice INTEGER, max_ahead INTEGER, cancel_cutoff INTEGER)`,
  // Cancelled appointments, kept for history; their time is free again (docs/CALENDAR.md "What happened").
  `CREATE TABLE IF NOT EXISTS appointments_closed (
     id INTEGER PRIMARY KEY, doctor INTEGER NOT NULL, start_ms INTEGER NOT NULL, minutes INTEGER NOT NULL,
     patient TEXT NOT NULL, booked_at INTEGER NOT NULL, status TEXT NOT NULL, closed_at INTEGER NOT NULL,
     closed_by TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT '')`,
  "CREATE INDEX IF NOT EXISTS appointments_closed_by_start ON appointments_closed (start_ms)",
  "CREATE INDEX IF NOT EXISTS appointments_closed_by_patient ON appointments_closed (patient, start_ms)",
  // The outbox (notify/outbox-plan.ts): messages written in each change's transaction, sent by the server.
  // (no AUTOINCREMENT: it would update sqlite_sequence on every insert; outbox rows are never deleted)
  ...outboxTableSql("INTEGER PRIMARY KEY", "INTEGER", false, false),
  // The outbox's follower (notify/outbox-follower.ts): the last audit record turned into messages.
  followerStartSql("outbox"),
];

/** Columns added after the tables first shipped: [table, column, declaration], added where missing. */
const added_columns: [string, string, string][] = [
  // The types a rule offers, comma-separated, the first its default ('': a plain rule of `minutes`).
  ["calendar_rules", "types", "TEXT NOT NULL DEFAULT ''"],
  // What was booked: the type's name ('' = the rule's plain slot) and its buffers in minutes; the
  // appointment blocks [start - before, start + minutes + after) of its doctor's time.
  ["appointments", "type", "TEXT NOT NULL DEFAULT ''"],
  ["appointments", "before_min", "INTEGER NOT NULL DEFAULT 0"],
  ["appointments", "after_min", "INTEGER NOT NULL DEFAULT 0"],
  // What happened at the visit (calendar/visit-status.ts); a cancelled one moves to appointments_closed.
  [
    "appointments",
    "status",
    "TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'arrived', 'fulfilled', 'noshow'))",
  ],
  // The uid and sequence of the appointment's latest message (notify/outbox-plan.ts priorOf); '' for none.
  ["appointments", "uid", "TEXT NOT NULL DEFAULT ''"],
  ["appointments", "seq", "INTEGER NOT NULL DEFAULT 0"],
  // The zone the rules were written in (calendar-zone.ts storedZone); NULL until an edit records it.
  ["calendar_state", "zone", "TEXT"],
  // A "moved" message's old start (notify/when.ts decide: quiet hours do not hold it before then); else NULL.
  ["outbox", "old_start_ms", "INTEGER"],
];

/** Made once the later columns are there (they name them). */
const after_columns_sql = [
  // The no-show limit's count, read in every booking's transaction when the limit is on: only the
  // no-shows are in it, so a booking (status booked) never writes to it.
  "CREATE INDEX IF NOT EXISTS appointments_noshows ON appointments (patient, start_ms) WHERE status = 'noshow'",
  // Moves and cancellations read the uid from the appointment's row now (copied above, for an older file).
  "DROP INDEX IF EXISTS outbox_by_slot",
  // ...and withdraw its pending reminder by uid: without an index, a scan of every message ever written,
  // in the change's transaction. Only pending reminders are in it, so it stays as small as the future.
  "CREATE INDEX IF NOT EXISTS outbox_pending_reminders ON outbox (uid) WHERE kind = 'reminder' AND state = 'pending'",
];

/** Creates the calendar's tables and adds the later columns an older file lacks (idempotent, one transaction). */
export function prepareCalendarTables(db: Database): void {
  db.transaction(() => {
    for (const sql of calendar_tables_sql) db.run(sql);
    for (const [table, column, declaration] of added_columns) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (columns.some((c) => c.name === column)) continue;
      db.run(`ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
      // A file whose outbox predates appointments.uid: each appointment's uid from its latest confirmation.
      if (table === "appointments" && column === "seq") db.run(copy_uids_sql);
    }
    for (const sql of after_columns_sql) db.run(sql);
  })();
}

// The booking database's schema: checked at start-up, stamped with PRAGMA user_version, and
// migrated forward from this project's older databases. A database this program cannot trust
// (another table shape, extra constraints, a newer version, not writable) is refused with what
// is wrong, rather than served as a schedule that lies.
import type { Database } from "bun:sqlite";
import { assert } from "../../../../shared/assert.ts";
import { audit_tables_sql } from "./sqlite-audit.ts";
import { audit_follow_tables_sql, followerStartSql } from "../audit-follow-tables.ts";
import { database_open_busy_timeout_ms, database_schema_version } from "../../../../shared/limits.ts";
import { sqlite_wal_bytes_kept, sqlite_wal_checkpoint_pages } from "../../../../shared/limits.ts";

/** When the WAL is checkpointed, and how much of it is kept after (shared/limits.ts). */
export function walLimits(db: Database): void {
  db.run(`PRAGMA wal_autocheckpoint = ${sqlite_wal_checkpoint_pages}`);
  db.run(`PRAGMA journal_size_limit = ${sqlite_wal_bytes_kept}`);
}

/** A database that cannot be used as it is; the message says what is wrong with it. */
export class DatabaseProblem extends Error {}

export const bookings_table_sql =
  "CREATE TABLE bookings (slot INTEGER PRIMARY KEY, patient TEXT NOT NULL, booked_at INTEGER NOT NULL)";

/**
 * migrations[v] brings a database at version v to v + 1, inside the start-up transaction.
 * Version 0 is this project's first database: the same table, no user_version.
 */
const migrations: ((db: Database) => void)[] = [
  (db) => {
    if (!tableSql(db)) db.run(bookings_table_sql);
  },
  // Version 2: counting a patient's bookings (the per-patient limit) must not scan the table.
  (db) => db.run("CREATE INDEX IF NOT EXISTS bookings_by_patient ON bookings (patient)"),
  // Version 3: the audit trail (sqlite-audit.ts), written in the transaction of each change.
  (db) => {
    for (const sql of audit_tables_sql) db.run(sql);
  },
  // Version 4: the trail's followers (audit-follow.ts); the index of records by subject is theirs now,
  // written after the change's commit instead of in it (docs/PERFORMANCE.md).
  (db) => {
    for (const sql of [...audit_follow_tables_sql("INTEGER"), followerStartSql("subjects")]) db.run(sql);
  },
];
assert(
  migrations.length === database_schema_version,
  () => "one migration for each schema version (append only; never edit one that shipped)",
);

type MasterRow = { type: string; name: string; sql: string | null };

function tableSql(db: Database): string | undefined {
  const row = db.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bookings'").get() as {
    sql: string;
  } | null;
  return row?.sql;
}

/**
 * Every check start-up makes, without writing (`healthcenterserver check` uses it on a read-only
 * connection): integrity, version, and a bookings table that is exactly ours or absent from an
 * empty file. Throws a DatabaseProblem; returns the version found.
 */
export function inspectSchema(db: Database): { version: number; hasTable: boolean } {
  const check = db.query("PRAGMA quick_check").get() as { quick_check: string } | null;
  if (check?.quick_check !== "ok") throw new DatabaseProblem(`failed its integrity check: ${check?.quick_check}`);
  const version = userVersion(db);
  if (version > database_schema_version) {
    throw new DatabaseProblem(
      `has schema version ${version}, newer than this program's ${database_schema_version}: ` +
        "it was written by a newer healthcenterserver; run that one, or give another --db",
    );
  }
  const hasTable = tableSql(db) !== undefined;
  if (version > 0 || hasTable) checkBookingsTable(db);
  else checkEmpty(db);
  return { version, hasTable };
}

/**
 * Inspects, then migrates forward where needed, in one write transaction: its commit is also
 * the proof that the file can be written.
 */
export function prepareSchema(db: Database): { from: number; to: number } {
  try {
    db.run("BEGIN IMMEDIATE");
  } catch (err) {
    throw cannotWrite(err);
  }
  try {
    const from = inspectSchema(db).version;
    for (let v = from; v < database_schema_version; v++) migrations[v]!(db);
    checkBookingsTable(db);
    // Written even when unchanged: the commit below must write, to prove the file is writable.
    db.run(`PRAGMA user_version = ${database_schema_version}`);
    db.run("COMMIT");
    return { from, to: database_schema_version };
  } catch (err) {
    if (db.inTransaction) db.run("ROLLBACK");
    if (err instanceof DatabaseProblem) throw err;
    throw cannotWrite(err);
  }
}

function cannotWrite(err: unknown): DatabaseProblem {
  if ((err as { code?: string }).code === "SQLITE_BUSY") {
    return new DatabaseProblem(
      `is locked by another process, still after ${database_open_busy_timeout_ms} ms; try again when it is done`,
    );
  }
  return new DatabaseProblem(`cannot be written (${(err as Error).message}); the server stores every booking there`);
}

/** A version-0 file without our table is new only if it is empty:
 * bookings are never added to another program's database. */
function checkEmpty(db: Database): void {
  const tables = (
    db
      .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
      .all() as { name: string }[]
  ).map((r) => r.name);
  if (tables.length > 0)
    throw new DatabaseProblem(
      `is not a booking database (it has ${tables.join(", ")} and no bookings table); give another --db`,
    );
}

function userVersion(db: Database): number {
  return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
}

/** The bookings table must be exactly ours:
 * a TEXT slot would show booked slots as free, a CHECK or trigger could refuse bookings. */
function checkBookingsTable(db: Database): void {
  const sql = tableSql(db);
  if (!sql) throw new DatabaseProblem("has a schema version but no bookings table");
  if (normalized(sql) !== normalized(bookings_table_sql)) {
    throw new DatabaseProblem(
      `has a bookings table unlike this program's: ${sql.replace(/\s+/g, " ")} (expected: ${bookings_table_sql})`,
    );
  }
  const extras = (
    db
      .query("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'bookings' AND type != 'table'")
      .all() as MasterRow[]
  ).filter((r) => r.sql !== null && (r.type === "trigger" || /\bunique\b/i.test(r.sql)));
  if (extras.length > 0) {
    throw new DatabaseProblem(
      "has constraints on bookings this program does not expect: " +
        extras.map((r) => `${r.type} ${r.name}`).join(", "),
    );
  }
}

function normalized(sql: string): string {
  return sql
    .toLowerCase()
    .replace(/["`[\]]/g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([(),])\s*/g, "$1")
    .trim();
}

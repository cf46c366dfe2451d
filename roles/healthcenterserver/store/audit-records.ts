// The audit trail through the one small SQL interface both databases speak (calendar-db.ts): appends
// inside a caller's transaction, pages read in order for verify and export, the latest checkpoint.
// On PostgreSQL an append first takes a transaction-scoped advisory lock, so two servers appending
// at once take turns: each reads the tail the other left, and the chain cannot fork.
import { nextRecord, type AuditContent, type AuditRecord } from "../audit/chain.ts";
import { audit_columns, auditRow } from "./audit-row.ts";
import { followTrail } from "./audit-follow.ts";
import type { CalendarDb, Row, Write } from "./calendar-db.ts";

/** Any fixed number: every instance takes the same lock to append ("audt"). */
export const audit_lock = 0x61756474;

export type Checkpoint = { seq: number; hash: string; atMs: number; archive: string; mac: string };

/** Rows one INSERT carries (13 parameters each, well under SQLite's 32766 and PostgreSQL's 65535). */
const audit_insert_rows_max = 500;

/** Appends records in the caller's transaction. */
export async function appendAuditRecords(db: CalendarDb, contents: readonly AuditContent[]): Promise<void> {
  if (contents.length === 0) return;
  if (db.kind === "postgres") await db.run(`SELECT pg_advisory_xact_lock(${audit_lock})`);
  let last: { seq: number; hash: string } | undefined = await auditTail(db);
  // One INSERT for the batch: a round trip to PostgreSQL per record would cost a batch dearly.
  for (let at = 0; at < contents.length; at += audit_insert_rows_max) {
    const rows: unknown[] = [];
    for (const content of contents.slice(at, at + audit_insert_rows_max)) {
      const r = nextRecord(last, content);
      rows.push(...auditRow(r));
      last = r;
    }
    const values = Array.from({ length: rows.length / 13 }, () => `(${Array(13).fill("?").join(", ")})`);
    await db.run(`INSERT INTO audit (${audit_columns}) VALUES ${values.join(", ")}`, rows);
  }
}

/** Where the next record continues: the last record, else the last checkpoint, else the genesis. */
export async function auditTail(db: CalendarDb): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await db.all("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (row) return { seq: Number(row.seq), hash: String(row.hash) };
  const cp = await latestCheckpoint(db);
  return cp && { seq: cp.seq, hash: cp.hash };
}

/**
 * The trail's table the database lacks (`audit`, `audit_checkpoint`), if any: dropped, or a SQLite file older
 * than the trail (PostgreSQL's migrations made them once, and do not again). Read first, so verify says so
 * instead of failing on a statement.
 */
export async function missingAuditTable(db: CalendarDb): Promise<string | undefined> {
  const rows = await db.all(
    db.kind === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%'"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() " +
          "AND table_name LIKE 'audit%'",
  );
  const names = new Set(rows.map((r) => String(r.name)));
  return ["audit", "audit_checkpoint"].find((t) => !names.has(t));
}

export async function latestCheckpoint(db: CalendarDb): Promise<Checkpoint | undefined> {
  const [row] = await db.all("SELECT seq, hash, at_ms, archive, mac FROM audit_checkpoint ORDER BY seq DESC LIMIT 1");
  if (!row) return undefined;
  return {
    seq: Number(row.seq),
    hash: String(row.hash),
    atMs: Number(row.at_ms),
    archive: String(row.archive),
    mac: String(row.mac),
  };
}

/** Records after `afterSeq`, in seq order, `limit` at a time (keyset paging: each page is one index range). */
export async function auditPage(db: CalendarDb, afterSeq: number, limit: number): Promise<AuditRecord[]> {
  const rows = await db.all(`SELECT ${audit_columns} FROM audit WHERE seq > ? ORDER BY seq LIMIT ${limit}`, [afterSeq]);
  return rows.map(recordOf);
}

/** Every record, page by page, in seq order. */
export async function* auditRecords(db: CalendarDb, pageSize: number, afterSeq = -1): AsyncGenerator<AuditRecord[]> {
  let after = afterSeq;
  while (true) {
    const page = await auditPage(db, after, pageSize);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.seq;
  }
}

/**
 * The records whose subject is one of these (a slot's history), in order: those the subjects follower
 * has indexed (audit_subjects), and those past its cursor, read from the trail's end (a short run, as
 * the follower keeps up; during a booking storm it yields, and the run is what it has not reached yet).
 */
export async function auditOfSubjects(db: CalendarDb, subjects: string[], limit: number): Promise<AuditRecord[]> {
  const marks = subjects.map(() => "?").join(", ");
  const rows = await db.all(
    `SELECT ${audit_columns} FROM audit WHERE seq IN (${subjectSeqsSql(marks)}) ORDER BY seq DESC LIMIT ${limit}`,
    [...subjects, ...subjects],
  );
  return rows.map(recordOf).reverse();
}

/** The seqs of the records about these subjects (`marks`: their placeholders): indexed, or past the cursor. */
export function subjectSeqsSql(marks: string): string {
  return (
    `SELECT seq FROM audit_subjects WHERE subject IN (${marks}) UNION ALL SELECT seq FROM audit ` +
    `WHERE seq > (SELECT seq FROM audit_followers WHERE name = 'subjects') AND subject IN (${marks})`
  );
}

/** Indexes up to `max` records past the subjects follower's cursor; the number indexed (audit-follow.ts). */
export function indexSubjects(db: CalendarDb, max: number): Promise<number> {
  return followTrail(db, "subjects", max, "seq, subject", (records) => {
    const writes: Write[] = [];
    for (let at = 0; at < records.length; at += audit_insert_rows_max) {
      const chunk = records.slice(at, at + audit_insert_rows_max);
      const values = chunk.map(() => "(?, ?)").join(", ");
      writes.push({
        sql: `INSERT INTO audit_subjects (subject, seq) VALUES ${values} ON CONFLICT DO NOTHING`,
        params: chunk.flatMap((r) => [String(r.subject), Number(r.seq)]),
      });
    }
    return writes;
  });
}

function recordOf(row: Row): AuditRecord {
  return {
    seq: Number(row.seq),
    atMs: Number(row.at_ms),
    actor: String(row.actor),
    role: String(row.role),
    via: String(row.via),
    address: String(row.address),
    action: String(row.action),
    subject: String(row.subject),
    before: String(row.before),
    after: String(row.after),
    reason: String(row.reason),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

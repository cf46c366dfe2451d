// The audit trail in SQLite: the audit table (append-only: triggers refuse UPDATE and DELETE; only
// `audit archive` lifts them, in its own transaction) and the checkpoints archives leave. Appends run
// inside the caller's write transaction, so a record and the change it tells of commit together.
import {
  database_commit_timeout_ms,
  database_lock_retry_ms_max,
  database_lock_retry_ms_min,
} from "../../../../shared/limits.ts";
import type { Database, Statement } from "bun:sqlite";
import { genesis_hash, hashOf, type AuditContent } from "../../audit/chain.ts";
import { audit_columns } from "../audit-row.ts";

export const audit_tables_sql = [
  `CREATE TABLE IF NOT EXISTS audit (
     seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, via TEXT NOT NULL,
     address TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
     reason TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS audit_by_subject ON audit (subject)",
  `CREATE TABLE IF NOT EXISTS audit_checkpoint (
     seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, at_ms INTEGER NOT NULL, archive TEXT NOT NULL, mac TEXT NOT NULL)`,
  ...append_only_triggers(),
];

export function append_only_triggers(): string[] {
  return ["UPDATE", "DELETE"].map(
    (op) =>
      `CREATE TRIGGER IF NOT EXISTS audit_no_${op.toLowerCase()} BEFORE ${op} ON audit ` +
      "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
  );
}

export class SqliteAudit {
  private readonly lastRecord: Statement;
  private readonly lastCheckpoint: Statement;
  private readonly insert: Statement;

  constructor(db: Database) {
    this.lastRecord = db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    this.lastCheckpoint = db.prepare("SELECT seq, hash FROM audit_checkpoint ORDER BY seq DESC LIMIT 1");
    this.insert = db.prepare(`INSERT INTO audit (${audit_columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Appends records; call inside a write transaction (the chain's tail is read in it). */
  append(contents: readonly AuditContent[]): void {
    if (contents.length === 0) return;
    let last = (this.lastRecord.get() ?? this.lastCheckpoint.get() ?? undefined) as
      | { seq: number; hash: string }
      | undefined;
    for (const c of contents) {
      // nextRecord's record and auditRow's values written out (a booking's commit makes one of these).
      const seq = last ? last.seq + 1 : 1;
      const { atMs, actor, role, via, address, action, subject, before, after, reason } = c;
      const hash = hashOf(seq, last ? last.hash : genesis_hash, c);
      this.insert.run(seq, atMs, actor, role, via, address, action, subject, before, after, reason, "", hash);
      last = { seq, hash };
    }
  }

  finalize(): void {
    for (const s of [this.lastRecord, this.lastCheckpoint, this.insert]) s.finalize();
  }
}

/**
 * Runs a write that may find the file locked by another process (the `availability` command, a
 * second server): retried with growing pauses until `waitMs` has passed, as the bookings' commits are.
 */
export async function whenUnlocked<T>(write: () => T, waitMs = database_commit_timeout_ms): Promise<T> {
  const deadline = Date.now() + waitMs;
  let pause = database_lock_retry_ms_min;
  while (true) {
    try {
      return write();
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY" || Date.now() >= deadline) throw err;
      await Bun.sleep(pause);
      pause = Math.min(pause * 2, database_lock_retry_ms_max);
    }
  }
}

// Durable bookings in bun:sqlite, keeping the rules of appointment-store.ts. A change is confirmed
// only after its transaction commits with synchronous=FULL, so it survives kill -9 and power loss.
import { auditOfSubjects, indexSubjects } from "../audit-records.ts";
import { SqliteCalendarDb } from "../calendar-db.ts";
import type { AuditRecord } from "../../audit/chain.ts";
import { Database, type Statement } from "bun:sqlite";
import { database_open_busy_timeout_ms } from "../../../../shared/limits.ts";
import { prepareSchema, walLimits } from "./sqlite-schema.ts";
import { SqliteAudit } from "./sqlite-audit.ts";
import { auditOf } from "../../audit/change-records.ts";
import type { AuditContent } from "../../audit/chain.ts";
import type { Change, ChangeResult, StoreOptions } from "../appointment-store.ts";

export class BookingStore {
  private readonly db: Database;
  private readonly statements: Statement[] = [];
  private readonly insert: Statement;
  private readonly holder: Statement;
  private readonly remove: Statement;
  private readonly countHeld: Statement;
  private readonly commitBatch: (batch: readonly Change[]) => ChangeResult[];
  private readonly audit: SqliteAudit;
  private readonly appendAlone: (contents: readonly AuditContent[]) => void;

  constructor(
    path: string,
    private readonly options: StoreOptions = { bookingsPerPatient: 0 },
  ) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run(`PRAGMA busy_timeout = ${database_open_busy_timeout_ms}`);
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    walLimits(this.db);
    prepareSchema(this.db);
    // From here on a lock held elsewhere answers BUSY at once; the committer retries on a timer.
    this.db.run("PRAGMA busy_timeout = 0");
    // The primary key decides a race between processes sharing the file; RETURNING tells us who won.
    this.insert = this.prepare(
      "INSERT INTO bookings (slot, patient, booked_at) VALUES (?, ?, ?) ON CONFLICT (slot) DO NOTHING RETURNING slot",
    );
    this.holder = this.prepare("SELECT patient FROM bookings WHERE slot = ?");
    this.remove = this.prepare("DELETE FROM bookings WHERE slot = ? AND patient = ? RETURNING slot");
    this.countHeld = this.prepare("SELECT count(*) AS n FROM bookings WHERE patient = ?");
    this.audit = new SqliteAudit(this.db);
    const tx = this.db.transaction((batch: readonly Change[]) => {
      const now = Date.now();
      const results = batch.map((c) => this.apply(c, now));
      this.audit.append(auditOf(batch, results, now));
      return results;
    });
    this.commitBatch = (batch) => tx.immediate(batch);
    const alone = this.db.transaction((contents: readonly AuditContent[]) => this.audit.append(contents));
    this.appendAlone = (contents) => alone.immediate(contents);
  }

  /** Every stored booking, read in one query and handed over row by row (no map of them all at start-up). */
  forEachBooking(fn: (slot: number, patient: string) => void): void {
    const query = this.db.query("SELECT slot, patient FROM bookings");
    for (const row of query.iterate() as IterableIterator<{ slot: number; patient: string }>) fn(row.slot, row.patient);
    query.finalize();
  }

  /** Every stored booking: slot index -> patient. */
  bookings(): Map<number, string> {
    const rows = this.db.query("SELECT slot, patient FROM bookings").all() as { slot: number; patient: string }[];
    return new Map(rows.map((r) => [r.slot, r.patient]));
  }

  /** Commits the batch in one transaction: one result per change, in order. */
  commit(batch: readonly Change[]): ChangeResult[] {
    return this.commitBatch(batch);
  }

  /** Audit records of what is not a booking change (a sign-in, a read), in a transaction of their own. */
  appendAudit(contents: readonly AuditContent[]): void {
    this.appendAlone(contents);
  }

  auditOfSubjects(subjects: string[], limit: number): Promise<AuditRecord[]> {
    return auditOfSubjects(new SqliteCalendarDb(this.db), subjects, limit);
  }

  indexAudit(max: number): Promise<number> {
    return indexSubjects(new SqliteCalendarDb(this.db), max);
  }

  /** A consistent copy of the whole database, as this connection sees it, written to a new file at `path`. */
  copyTo(path: string): void {
    this.db.run("VACUUM INTO ?", [path]);
  }

  /** Finalizes the statements first: a close with one still open is deferred and would leave the WAL behind. */
  close(): void {
    for (const s of this.statements) s.finalize();
    this.audit.finalize();
    this.db.close(true);
  }

  private prepare(sql: string): Statement {
    const s = this.db.prepare(sql);
    this.statements.push(s);
    return s;
  }

  private apply(c: Change, now: number): ChangeResult {
    switch (c.kind) {
      case "book": {
        const limit = this.options.bookingsPerPatient;
        if (limit > 0) {
          const held = (this.countHeld.get(c.patient) as { n: number }).n;
          if (held >= limit) return { kind: "limit", held };
        }
        return this.take(c.index, c.patient, now);
      }
      case "cancel":
        if (this.remove.get(c.index, c.patient) !== null) return { kind: "done" };
        return { kind: "notyours", holder: this.holderOf(c.index) };
      case "move": {
        const from = this.holderOf(c.from);
        if (from !== c.patient) return { kind: "notyours", holder: from };
        const taken = this.take(c.to, c.patient, now);
        if (taken.kind === "done") this.remove.get(c.from, c.patient);
        return taken;
      }
    }
  }

  private take(index: number, patient: string, now: number): ChangeResult {
    if (this.insert.get(index, patient, now) !== null) return { kind: "done" };
    return { kind: "taken", holder: this.holderOf(index) };
  }

  private holderOf(index: number): string {
    const row = this.holder.get(index) as { patient: string } | null;
    return row?.patient ?? "";
  }
}

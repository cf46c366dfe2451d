// What happened at the visit, in SQLite: visit-records.ts's statements prepared once, run synchronously
// inside the calendar committer's write transactions (a cancellation's record, a mark, the no-show count).
import type { Database, Statement } from "bun:sqlite";
import { decodeSlotId } from "../../calendar/slot-id.ts";
import type { HeldStatus } from "../../calendar/visit-status.ts";
import type { AuditContent } from "../../audit/chain.ts";
import type { ChangeWho, Mark, MarkResult } from "../appointment-store.ts";
import { checkMark, closedBy, markRecord, visit_sql, type MarkTarget } from "../visit-records.ts";

/** What visit_sql.remove returns of a cancelled appointment. */
export type Removed = { minutes: number; booked_at: number; type: string; uid: string; seq: number };
export type HeldRow = { patient: string; status: HeldStatus; minutes: number; booked_at: number };

export class SqliteVisits {
  private readonly held: Statement;
  private readonly closed: Statement;
  private readonly close: Statement;
  private readonly setStatus: Statement;
  private readonly noShows: Statement;

  constructor(db: Database) {
    this.held = db.prepare(visit_sql.held);
    this.closed = db.prepare(visit_sql.closed);
    this.close = db.prepare(visit_sql.close);
    this.setStatus = db.prepare(visit_sql.setStatus);
    this.noShows = db.prepare(visit_sql.noShows);
  }

  heldAt(index: number): HeldRow | null {
    const { doctorNumber, startMs } = decodeSlotId(index);
    return this.held.get(doctorNumber, startMs) as HeldRow | null;
  }

  /** Keeps a cancelled appointment (just deleted from appointments) for history. */
  keepCancelled(index: number, row: Removed & { patient: string }, now: number, who?: ChangeWho): void {
    const { doctorNumber, startMs } = decodeSlotId(index);
    const { by, reason } = closedBy(who);
    this.close.run(doctorNumber, startMs, row.minutes, row.patient, row.booked_at, row.type, now, by, reason);
  }

  noShowsSince(patient: string, sinceMs: number): number {
    return (this.noShows.get(patient, sinceMs) as { n: number }).n;
  }

  /** Call inside a write transaction. */
  mark(m: Mark, now: number): { result: MarkResult; record?: AuditContent } {
    const { doctorNumber, startMs } = decodeSlotId(m.index);
    const row = this.held.get(doctorNumber, startMs) as HeldRow | null;
    let target: MarkTarget;
    if (row) target = { patient: row.patient, status: row.status };
    else if (this.closed.get(doctorNumber, startMs) !== null) target = "cancelled";
    const refused = checkMark(m, target, now);
    if (refused || !row) return { result: refused! };
    this.setStatus.run(m.status, doctorNumber, startMs);
    return {
      result: { kind: "done", patient: row.patient, before: row.status },
      record: markRecord(m, row.patient, row.status, now),
    };
  }

  finalize(): void {
    for (const s of [this.held, this.closed, this.close, this.setStatus, this.noShows]) s.finalize();
  }
}

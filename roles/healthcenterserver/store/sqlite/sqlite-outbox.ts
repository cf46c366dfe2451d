// The outbox rows of a change, written by SqliteCalendarCommitter inside the change's transaction.
import type { Database, Statement } from "bun:sqlite";
import {
  insertParams,
  outbox_sql,
  planBooked,
  planCancelled,
  planMoved,
  type OutboxPolicy,
  type OutboxRow,
  type Prior,
  type Slot,
} from "../../notify/outbox-plan.ts";

export class SqliteOutbox {
  private readonly prior: Statement;
  private readonly withdraw: Statement;
  private readonly insert: Statement;

  constructor(
    db: Database,
    private readonly policy: OutboxPolicy,
  ) {
    this.prior = db.prepare(outbox_sql.prior);
    this.withdraw = db.prepare(outbox_sql.withdraw);
    this.insert = db.prepare(outbox_sql.insert);
  }

  booked(s: Slot, now: number): void {
    this.write(planBooked(s, this.policy, now));
  }

  moved(from: Slot, to: Slot, now: number): void {
    const prior = this.priorOf(from);
    if (prior) this.withdraw.run(prior.uid);
    this.write(planMoved(from, to, this.policy, now, prior));
  }

  cancelled(s: Slot, now: number): void {
    const prior = this.priorOf(s);
    if (prior) this.withdraw.run(prior.uid);
    this.write(planCancelled(s, this.policy, now, prior));
  }

  finalize(): void {
    for (const s of [this.prior, this.withdraw, this.insert]) s.finalize();
  }

  private priorOf(s: Slot): Prior | undefined {
    const row = this.prior.get(s.doctor, s.startMs, s.patient) as { uid: string; seq: number } | null;
    return row ? { uid: row.uid, seq: Number(row.seq) } : undefined;
  }

  private write(rows: OutboxRow[]): void {
    for (const r of rows) this.insert.run(...(insertParams(r) as never[]));
  }
}

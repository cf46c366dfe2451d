// The outbox rows of a change, written by SqliteCalendarCommitter inside the change's transaction. The
// appointment's uid and sequence come from its row (the committer reads it; outbox-plan.ts priorOf).
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
  private readonly withdraw: Statement;
  private readonly insert: Statement;

  constructor(
    db: Database,
    private readonly policy: OutboxPolicy,
  ) {
    this.withdraw = db.prepare(outbox_sql.withdraw);
    this.insert = db.prepare(outbox_sql.insert);
  }

  /** `uid`: the one stored on the appointment's row. */
  booked(s: Slot, now: number, uid: string): void {
    this.write(planBooked(s, this.policy, now, uid));
  }

  moved(from: Slot, to: Slot, now: number, prior: Prior | undefined): void {
    if (prior) this.withdraw.run(prior.uid);
    this.write(planMoved(from, to, this.policy, now, prior));
  }

  cancelled(s: Slot, now: number, prior: Prior | undefined): void {
    if (prior) this.withdraw.run(prior.uid);
    this.write(planCancelled(s, this.policy, now, prior));
  }

  finalize(): void {
    for (const s of [this.withdraw, this.insert]) s.finalize();
  }

  private write(rows: OutboxRow[]): void {
    for (const r of rows) this.insert.run(...(insertParams(r) as never[]));
  }
}

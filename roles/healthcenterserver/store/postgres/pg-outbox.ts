// The outbox rows of a change, written by PgCalendarCommitter inside the change's transaction. The
// appointment's uid and sequence come from its row (the committer reads it; outbox-plan.ts priorOf).
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
import type { CalendarDb } from "../calendar-db.ts";

export class PgOutbox {
  constructor(private readonly policy: OutboxPolicy) {}

  /** `uid`: the one stored on the appointment's row. */
  async booked(tx: CalendarDb, s: Slot, now: number, uid: string): Promise<void> {
    await write(tx, planBooked(s, this.policy, now, uid));
  }

  async moved(tx: CalendarDb, from: Slot, to: Slot, now: number, prior: Prior | undefined): Promise<void> {
    if (prior) await tx.run(outbox_sql.withdraw, [prior.uid]);
    await write(tx, planMoved(from, to, this.policy, now, prior));
  }

  async cancelled(tx: CalendarDb, s: Slot, now: number, prior: Prior | undefined): Promise<void> {
    if (prior) await tx.run(outbox_sql.withdraw, [prior.uid]);
    await write(tx, planCancelled(s, this.policy, now, prior));
  }
}

async function write(tx: CalendarDb, rows: OutboxRow[]): Promise<void> {
  for (const r of rows) await tx.run(outbox_sql.insert, insertParams(r));
}

// The outbox rows of a change, written by PgCalendarCommitter inside the change's transaction.
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

  async booked(tx: CalendarDb, s: Slot, now: number): Promise<void> {
    await write(tx, planBooked(s, this.policy, now));
  }

  async moved(tx: CalendarDb, from: Slot, to: Slot, now: number): Promise<void> {
    const prior = await priorOf(tx, from);
    if (prior) await tx.run(outbox_sql.withdraw, [prior.uid]);
    await write(tx, planMoved(from, to, this.policy, now, prior));
  }

  async cancelled(tx: CalendarDb, s: Slot, now: number): Promise<void> {
    const prior = await priorOf(tx, s);
    if (prior) await tx.run(outbox_sql.withdraw, [prior.uid]);
    await write(tx, planCancelled(s, this.policy, now, prior));
  }
}

async function priorOf(tx: CalendarDb, s: Slot): Promise<Prior | undefined> {
  const row = (await tx.all(outbox_sql.prior, [s.doctor, s.startMs, s.patient]))[0];
  return row ? { uid: String(row.uid), seq: Number(row.seq) } : undefined;
}

async function write(tx: CalendarDb, rows: OutboxRow[]): Promise<void> {
  for (const r of rows) await tx.run(outbox_sql.insert, insertParams(r));
}

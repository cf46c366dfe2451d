// Group commit on PostgreSQL: one transaction per batch, its statements pipelined (sent together,
// answered together). The slot's primary key decides a race between instances; the holder is read
// back in a second statement (a fresh snapshot, which sees the row that won). The NOTIFY inside the
// transaction reaches the other instances only once it commits. Batches with cancellations, moves or
// a per-patient limit go statement by statement (pg-changes.ts).
import type { SQL } from "bun";
import { database_notify_bytes_max } from "../../shared/limits.ts";
import type { Change, ChangeResult } from "./appointment-store.ts";
import type { Committer } from "./committer.ts";
import { applyChanges, onlyBookings, touchedSlots } from "./pg-changes.ts";

export const change_channel = "appointments_changes";

/** Stands in for a holder that cancelled between our failed insert and the read-back; a re-read follows. */
export const unknown_holder = "?";

/** What the committer tells the mirror about each batch. */
export type CommitWatcher = {
  /** The batch's commit answered: these slots are as the Booker will now record them. */
  committed(slots: number[]): void;
  /** The commit failed (maybe after it was stored): these slots must be read again. */
  uncertain(slots: number[]): void;
};

export class PgCommitter implements Committer {
  constructor(
    private readonly sql: SQL,
    private readonly instance: string,
    private readonly watcher: CommitWatcher,
    private readonly closeAll: () => Promise<void>,
    private readonly bookingsPerPatient = 0,
  ) {}

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    if (onlyBookings(batch, this.bookingsPerPatient)) return this.commitBookings(batch);
    const slots = touchedSlots(batch);
    let results: ChangeResult[];
    try {
      results = await this.sql.begin(async (tx) => {
        const applied = await applyChanges(tx, batch, this.bookingsPerPatient);
        for (const payload of changeNotices(this.instance, slots)) await tx.notify(change_channel, payload);
        return applied;
      });
    } catch (err) {
      setTimeout(() => this.watcher.uncertain(slots), 0);
      throw new Error(`PostgreSQL: ${(err as Error).message}`);
    }
    this.watcher.committed(slots);
    const unknown = results.flatMap((r, i) => (r.kind === "taken" && r.holder === unknown_holder ? touchedSlots([batch[i]!]) : []));
    if (unknown.length > 0) setTimeout(() => this.watcher.uncertain(unknown), 0);
    return results;
  }

  private async commitBookings(batch: readonly Extract<Change, { kind: "book" }>[]): Promise<ChangeResult[]> {
    const slots = batch.map((b) => b.index);
    const patients = batch.map((b) => b.patient);
    let inserted: { slot: number }[];
    let holders: { slot: number; patient: string }[];
    try {
      [inserted, holders] = await this.sql.begin((tx) => [
        tx`INSERT INTO bookings (slot, patient) SELECT * FROM unnest(${slots}::int[], ${patients}::text[])
           ON CONFLICT (slot) DO NOTHING RETURNING slot`,
        tx`SELECT slot, patient FROM bookings WHERE slot = ANY(${slots}::int[])`,
        ...changeNotices(this.instance, slots).map((payload) => tx.notify(change_channel, payload)),
      ]);
    } catch (err) {
      // The Booker releases these slots when this rejects; read them again after that.
      setTimeout(() => this.watcher.uncertain(slots), 0);
      throw new Error(`PostgreSQL: ${(err as Error).message}`);
    }
    this.watcher.committed(slots);
    const stored = new Set(inserted.map((r) => r.slot));
    const holderOf = new Map(holders.map((r) => [r.slot, r.patient]));
    const results = batch.map((b): ChangeResult =>
      stored.has(b.index) ? { kind: "done" } : { kind: "taken", holder: holderOf.get(b.index) ?? unknown_holder },
    );
    const unknown = batch.filter((b) => !stored.has(b.index) && !holderOf.has(b.index)).map((b) => b.index);
    if (unknown.length > 0) setTimeout(() => this.watcher.uncertain(unknown), 0);
    return results;
  }

  async close(): Promise<void> {
    await this.closeAll();
  }
}

/** `<instance> <slot>,<slot>,...`, split so each notice fits PostgreSQL's payload limit. */
export function changeNotices(instance: string, slots: number[]): string[] {
  const notices: string[] = [];
  let current = "";
  for (const slot of slots) {
    const next = current === "" ? String(slot) : `${current},${slot}`;
    if (instance.length + 1 + next.length > database_notify_bytes_max) {
      notices.push(`${instance} ${current}`);
      current = String(slot);
    } else {
      current = next;
    }
  }
  if (current !== "") notices.push(`${instance} ${current}`);
  return notices;
}

/** The sender and the slots of a notice; undefined for one this program did not send. */
export function parseChangeNotice(payload: string): { instance: string; slots: number[] } | undefined {
  const m = /^(\S+) (\d+(?:,\d+)*)$/.exec(payload);
  if (!m) return undefined;
  return { instance: m[1]!, slots: m[2]!.split(",").map(Number) };
}

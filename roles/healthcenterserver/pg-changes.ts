// Cancellations, moves and limited bookings on PostgreSQL (the rules of appointment-store.ts), one
// statement at a time inside the batch's transaction, since each depends on the one before. A
// patient's bookings are counted under a transaction-scoped advisory lock on the patient, so two
// instances cannot both see room for one more.
import type { SQL } from "bun";
import type { Change, ChangeResult } from "./appointment-store.ts";
import { unknown_holder } from "./pg-committer.ts";

type Tx = SQL;
type Row = { patient: string };

/** Applies the batch in `tx`, in order; one result per change. */
export async function applyChanges(tx: Tx, batch: readonly Change[], bookingsPerPatient: number): Promise<ChangeResult[]> {
  const results: ChangeResult[] = [];
  for (const change of batch) results.push(await applyOne(tx, change, bookingsPerPatient));
  return results;
}

async function applyOne(tx: Tx, c: Change, limit: number): Promise<ChangeResult> {
  switch (c.kind) {
    case "book": {
      if (limit > 0) {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${c.patient}))`;
        const [row] = (await tx`SELECT count(*)::int AS n FROM bookings WHERE patient = ${c.patient}`) as { n: number }[];
        const n = row?.n ?? 0;
        if (n >= limit) return { kind: "limit", held: n };
      }
      return take(tx, c.index, c.patient);
    }
    case "cancel": {
      const gone = await tx`DELETE FROM bookings WHERE slot = ${c.index} AND patient = ${c.patient} RETURNING slot`;
      if (gone.length > 0) return { kind: "done" };
      return { kind: "notyours", holder: await holderOf(tx, c.index, "") };
    }
    case "move": {
      const rows = (await tx`SELECT patient FROM bookings WHERE slot = ${c.from} FOR UPDATE`) as Row[];
      const from = rows[0]?.patient ?? "";
      if (from !== c.patient) return { kind: "notyours", holder: from };
      const taken = await take(tx, c.to, c.patient);
      if (taken.kind === "done") await tx`DELETE FROM bookings WHERE slot = ${c.from} AND patient = ${c.patient}`;
      return taken;
    }
  }
}

async function take(tx: Tx, index: number, patient: string): Promise<ChangeResult> {
  const inserted = await tx`INSERT INTO bookings (slot, patient) VALUES (${index}, ${patient}) ON CONFLICT (slot) DO NOTHING RETURNING slot`;
  if (inserted.length > 0) return { kind: "done" };
  return { kind: "taken", holder: await holderOf(tx, index, unknown_holder) };
}

async function holderOf(tx: Tx, index: number, none: string): Promise<string> {
  const rows = (await tx`SELECT patient FROM bookings WHERE slot = ${index}`) as Row[];
  return rows[0]?.patient ?? none;
}

/** Every slot a batch may change: what the other instances re-read, and what our mirror must not undo. */
export function touchedSlots(batch: readonly Change[]): number[] {
  return batch.flatMap((c) => (c.kind === "move" ? [c.from, c.to] : [c.index]));
}

/** A batch of plain bookings with no limit to check goes the fast, pipelined way. */
export function onlyBookings(batch: readonly Change[], bookingsPerPatient: number): batch is readonly Extract<Change, { kind: "book" }>[] {
  return bookingsPerPatient === 0 && batch.every((c) => c.kind === "book");
}

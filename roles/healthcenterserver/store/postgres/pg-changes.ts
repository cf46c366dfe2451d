// Cancellations, moves and limited bookings on PostgreSQL (the rules of appointment-store.ts). Each
// change is one statement that answers one row saying what it did, so the whole batch is sent at
// once (pipelined) and still applies in order: in READ COMMITTED every statement sees the ones before
// it in the transaction. The batch first takes a transaction-scoped advisory lock on each patient who
// books (in name order), so two instances cannot both count room for one more booking; then one on
// each slot it touches (in slot order). Every batch of every instance takes its locks in that one
// global order before it touches a row, and rows of one slot are touched only under that slot's
// lock, so two instances never wait on each other in a cycle (no deadlock).
import type { SQL } from "bun";
import type { Change, ChangeResult } from "../appointment-store.ts";
import { patient_lock_class } from "./pg-doctor-locks.ts";

type Tx = SQL;
/** What every change statement answers: done or not, and what it found. */
type Answer = { done: boolean; holder: string | null; held: number | null; from_holder: string | null };

/** Advisory locks of patients live in their own class (the two-key form, pg-doctor-locks.ts), apart from the
 * migration lock; those of slots in theirs. */
const slot_lock_class = 0x736c6f74; // "slot"

/** Stands in for a holder that cancelled between our failed insert and the read-back; a re-read follows. */
export const unknown_holder = "?";

/** The batch's statements, to be sent together inside its transaction; `decode` reads their answers. */
export function changeStatements(tx: Tx, batch: readonly Change[], bookingsPerPatient: number) {
  const lockers =
    bookingsPerPatient > 0 ? [...new Set(batch.filter((c) => c.kind === "book").map((c) => c.patient))].sort() : [];
  const locks =
    lockers.length > 0
      ? [tx`SELECT pg_advisory_xact_lock(${patient_lock_class}, hashtext(p)) FROM unnest(${lockers}::text[]) AS p`]
      : [];
  locks.push(slotLocks(tx, touchedSlots(batch)));
  return { statements: [...locks, ...batch.map((c) => statementFor(tx, c, bookingsPerPatient))], skip: locks.length };
}

/** Locks every slot given, in slot order: what every batch does first (after the patients' locks). */
export function slotLocks(tx: Tx, slots: readonly number[]) {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  return tx`SELECT pg_advisory_xact_lock(${slot_lock_class}, s) FROM unnest(${sorted}::int[]) AS s`;
}

/** A deadlock (40P01) or serialization failure (40001) rolls the whole batch back: trying it again is safe. */
export function isRetryable(err: unknown): boolean {
  const e = err as { code?: string; errno?: unknown };
  return e.code === "ERR_POSTGRES_SERVER_ERROR" && (e.errno === "40P01" || e.errno === "40001");
}

function statementFor(tx: Tx, c: Change, limit: number) {
  switch (c.kind) {
    case "book":
      // `holder` comes from the statement's snapshot: a row that won the race after it began is not
      // in it (null), and the caller reads that slot again.
      return tx`WITH held AS (SELECT count(*)::int AS n FROM bookings WHERE patient = ${c.patient}),
        ins AS (INSERT INTO bookings (slot, patient) SELECT ${c.index}, ${c.patient}
                WHERE ${limit}::int = 0 OR (SELECT n FROM held) < ${limit}::int
                ON CONFLICT (slot) DO NOTHING RETURNING slot)
        SELECT EXISTS (SELECT 1 FROM ins) AS done, (SELECT n FROM held) AS held,
               (SELECT patient FROM bookings WHERE slot = ${c.index}) AS holder, NULL::text AS from_holder`;
    case "cancel":
      return tx`WITH del AS (DELETE FROM bookings WHERE slot = ${c.index} AND patient = ${c.patient} RETURNING slot)
        SELECT EXISTS (SELECT 1 FROM del) AS done, NULL::int AS held,
               (SELECT patient FROM bookings WHERE slot = ${c.index}) AS holder, NULL::text AS from_holder`;
    case "move":
      return tx`WITH f AS (SELECT patient FROM bookings WHERE slot = ${c.from} FOR UPDATE),
        ins AS (INSERT INTO bookings (slot, patient) SELECT ${c.to}, ${c.patient}
                WHERE EXISTS (SELECT 1 FROM f WHERE patient = ${c.patient})
                ON CONFLICT (slot) DO NOTHING RETURNING slot),
        del AS (DELETE FROM bookings WHERE slot = ${c.from} AND patient = ${c.patient}
                  AND EXISTS (SELECT 1 FROM ins) RETURNING slot)
        SELECT EXISTS (SELECT 1 FROM ins) AND EXISTS (SELECT 1 FROM del) AS done, NULL::int AS held,
               (SELECT patient FROM bookings WHERE slot = ${c.to}) AS holder, (SELECT patient FROM f) AS from_holder`;
  }
}

/** One result per change, from the answers of its statements (after the lock's). */
export function decodeAnswers(
  batch: readonly Change[],
  answers: unknown[],
  skip: number,
  limit: number,
): ChangeResult[] {
  return batch.map((c, i) => decodeOne(c, (answers[skip + i] as Answer[])[0]!, limit));
}

function decodeOne(c: Change, a: Answer, limit: number): ChangeResult {
  if (a.done) return { kind: "done" };
  switch (c.kind) {
    case "book":
      if (limit > 0 && a.held !== null && a.held >= limit) return { kind: "limit", held: a.held };
      return { kind: "taken", holder: a.holder ?? unknown_holder };
    case "cancel":
      return { kind: "notyours", holder: a.holder ?? "" };
    case "move":
      if (a.from_holder !== c.patient) return { kind: "notyours", holder: a.from_holder ?? "" };
      return { kind: "taken", holder: a.holder ?? unknown_holder };
  }
}

/** Every slot a batch may change: what the other instances re-read, and what our mirror must not undo. */
export function touchedSlots(batch: readonly Change[]): number[] {
  return batch.flatMap((c) => (c.kind === "move" ? [c.from, c.to] : [c.index]));
}

/** A batch of plain bookings with no limit to check goes the fastest way: one statement for all. */
export function onlyBookings(
  batch: readonly Change[],
  bookingsPerPatient: number,
): batch is readonly Extract<Change, { kind: "book" }>[] {
  return bookingsPerPatient === 0 && batch.every((c) => c.kind === "book");
}

// The advisory locks a calendar on PostgreSQL takes: a booking batch the rules' lock shared, first (it
// holds nothing else while it waits), then those of the doctors it touches, in doctor order (two servers
// never wait on each other in a cycle), then per patient counted. An availability edit takes the rules'
// lock alone, exclusive, before it checks that no booked appointment loses its slot, so a booking either
// commits before that check reads the appointments, or reads the rules' version the edit wrote, and is
// refused as taken (store/stale-rules.ts). One lock, whatever the number of doctors: taking every
// doctor's would cost an edit a statement and a lock-table entry per doctor (64 a connection by default).
import { database_statement_timeout_ms } from "../../../../shared/limits.ts";
import { UsageError } from "../../../../shared/errors.ts";
import type { CalendarDb } from "../calendar-db.ts";

export const doctor_lock_class = 0x646f6374; // "doct"
export const patient_lock_class = 0x70617469; // "pati", pg-changes.ts's too
export const rules_lock_class = 0x72756c65; // "rule"

export async function lockDoctors(tx: CalendarDb, doctors: Iterable<number>): Promise<void> {
  for (const d of [...doctors].sort((a, b) => a - b))
    await tx.run("SELECT pg_advisory_xact_lock(?::int, ?::int)", [doctor_lock_class, d]);
}

/** A booking batch's locks, in this order: the rules' (shared), its doctors', the patients' it counts. */
export async function lockForBatch(tx: CalendarDb, doctors: Iterable<number>, patients: string[]): Promise<void> {
  await tx.run("SELECT pg_advisory_xact_lock_shared(?::int, 0)", [rules_lock_class]);
  await lockDoctors(tx, doctors);
  for (const p of patients) await tx.run("SELECT pg_advisory_xact_lock(?::int, hashtext(?))", [patient_lock_class, p]);
}

/** The rules' lock, exclusive: an edit's first statement, held until it commits. */
export async function lockRulesForEdit(tx: CalendarDb): Promise<void> {
  try {
    await tx.run("SELECT pg_advisory_xact_lock(?::int, 0)", [rules_lock_class]);
  } catch (err) {
    // 57014: cancelled by the statement timeout, waiting for another edit's transaction to end.
    if ((err as { errno?: string }).errno !== "57014") throw err;
    throw new UsageError(
      `another edit of the calendar held it for more than ${database_statement_timeout_ms / 1000} s ` +
        "(a long edit, or one left open): nothing changed; try again",
      { hint: false },
    );
  }
}

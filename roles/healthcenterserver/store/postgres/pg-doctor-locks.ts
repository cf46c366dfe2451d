// The advisory locks a calendar on PostgreSQL takes per doctor: a booking batch those of the doctors it
// touches, in doctor order (two servers never wait on each other in a cycle), then per patient counted.
// An availability edit takes every doctor's before it checks that no booked appointment loses its slot,
// so a booking either commits before that check reads the appointments, or reads the rules' version the
// edit wrote once it has its doctor's lock, and is refused as taken (store/stale-rules.ts).
import type { CalendarDb } from "../calendar-db.ts";

export const doctor_lock_class = 0x646f6374; // "doct"
export const patient_lock_class = 0x70617469; // "pati", as pg-changes.ts

export async function lockDoctors(tx: CalendarDb, doctors: Iterable<number>): Promise<void> {
  for (const d of [...doctors].sort((a, b) => a - b))
    await tx.run("SELECT pg_advisory_xact_lock(?::int, ?::int)", [doctor_lock_class, d]);
}

/** Every doctor's lock, in doctor order (an edit's transaction, on PostgreSQL). */
export async function lockEveryDoctor(tx: CalendarDb): Promise<void> {
  await lockDoctors(
    tx,
    (await tx.all("SELECT id FROM calendar_doctors")).map((r) => Number(r.id)),
  );
}

// One appointment of a doctor never meets another: each blocks [start - before, start + minutes +
// after) of the doctor's time (its type's buffers; 0 for a plain slot). The same SQL on SQLite and
// PostgreSQL, run inside the booking's transaction (after the doctor's lock on PostgreSQL). The
// start_ms bounds let the primary key's index (doctor, start_ms) find the few candidates.
import { appointment_buffer_minutes_max, appointment_minutes_max } from "../../../shared/limits.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";
import type { BookedAs, ChangeResult } from "./appointment-store.ts";

const minute_ms = 60_000;

/** Another appointment of the doctor whose blocked span meets [from, to): its patient and start. */
export const overlap_sql =
  "SELECT patient, start_ms FROM appointments WHERE doctor = ? AND start_ms > ? AND start_ms < ? " +
  "AND start_ms - before_min * 60000 < ? AND start_ms + (minutes + after_min) * 60000 > ? LIMIT 1";

export const insert_appointment_sql =
  "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, type, before_min, after_min, uid, seq) " +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** The answer to a booking overlap_sql found `clash` in the way of (at the slot, or beside it). */
export function takenBy(clash: { patient: unknown; start_ms: unknown }, startMs: number): ChangeResult {
  const holder = String(clash.patient);
  return Number(clash.start_ms) === startMs ? { kind: "taken", holder } : { kind: "taken", holder, elsewhere: true };
}

/** overlap_sql's parameters for booking `span` at the slot `index` names. */
export function overlapParams(index: number, span: BookedAs): number[] {
  const { doctorNumber, startMs } = decodeSlotId(index);
  const from = startMs - span.before * minute_ms;
  const to = startMs + (span.minutes + span.after) * minute_ms;
  // An appointment starting at or before this can end (its after buffer included) no later than `from`;
  // one starting at or after the upper bound begins (its before buffer included) no earlier than `to`.
  const longest = (appointment_minutes_max + appointment_buffer_minutes_max) * minute_ms;
  return [doctorNumber, from - longest, to + appointment_buffer_minutes_max * minute_ms, to, from];
}

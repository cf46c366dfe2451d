// What PgMirror reads of a calendar's appointments (pg-calendar.ts's source): who holds each slot, and
// what was booked there (type, length, buffers), so every server blocks the same spans of time.
import { decodeSlotId, slotId } from "../../calendar/slot-id.ts";
import type { PgCalendarDb } from "../calendar-db.ts";
import type { MirrorSource } from "./pg-mirror.ts";

/** The channel a calendar's commits notify on (the slot ids they touched). */
export const appointments_channel = "calendar_appointments";

/** The appointments of some slots, by the (doctor, start) their ids name (the primary key's index). */
export function appointmentsSource(db: PgCalendarDb): MirrorSource {
  return {
    channel: appointments_channel,
    read: async (ids) => {
      const keys = ids.map(decodeSlotId);
      const rows = await db.all(
        `SELECT a.doctor, a.start_ms, a.patient, a.type, a.minutes, a.before_min, a.after_min FROM appointments a
         JOIN unnest(string_to_array(?, ',')::int[], string_to_array(?, ',')::bigint[]) AS k(doctor, start_ms)
         ON a.doctor = k.doctor AND a.start_ms = k.start_ms`,
        [keys.map((k) => k.doctorNumber).join(","), keys.map((k) => k.startMs).join(",")],
      );
      return rows.map((r) => ({
        slot: slotId(Number(r.doctor), Number(r.start_ms)),
        patient: String(r.patient),
        span: {
          type: String(r.type),
          minutes: Number(r.minutes),
          before: Number(r.before_min),
          after: Number(r.after_min),
        },
      }));
    },
  };
}

// Appointment types in the database (calendar_types), with the same SQL on SQLite and PostgreSQL.
// An edit runs inside availability's edit transaction (commands/availability-edit.ts), which bumps
// the calendar's version, so running servers see it within a second, and audits it.
import type { AppointmentType } from "../calendar/types.ts";
import type { CalendarDb, Row } from "./calendar-db.ts";

const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toType(r: Row): AppointmentType {
  return {
    name: String(r.name),
    minutes: Number(r.minutes),
    before: Number(r.before_min),
    after: Number(r.after_min),
    minNotice: orNull(r.min_notice),
    maxAhead: orNull(r.max_ahead),
    cancelCutoff: orNull(r.cancel_cutoff),
  };
}

/** Every type, by name; none when the table is not there yet (a database stamped by hand, a test). */
export async function loadTypes(db: CalendarDb): Promise<AppointmentType[]> {
  const rows = await db.all("SELECT * FROM calendar_types ORDER BY name").catch(() => []);
  return rows.map(toType);
}

/** Adds the type, or changes the one of that name; "added" or "changed". */
export async function saveType(db: CalendarDb, t: AppointmentType): Promise<"added" | "changed"> {
  const values = [t.minutes, t.before, t.after, t.minNotice, t.maxAhead, t.cancelCutoff];
  const changed = await db.all(
    `UPDATE calendar_types SET minutes = ?, before_min = ?, after_min = ?, min_notice = ?, max_ahead = ?,
       cancel_cutoff = ? WHERE name = ? RETURNING name`,
    [...values, t.name],
  );
  if (changed.length > 0) return "changed";
  await db.run(
    `INSERT INTO calendar_types (minutes, before_min, after_min, min_notice, max_ahead, cancel_cutoff, name)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [...values, t.name],
  );
  return "added";
}

/** Removes the type; false when there is none of that name. */
export async function removeType(db: CalendarDb, name: string): Promise<boolean> {
  return (await db.all("DELETE FROM calendar_types WHERE name = ? RETURNING name", [name])).length > 0;
}

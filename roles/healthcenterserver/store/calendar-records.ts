// The calendar's records, read and written with the same SQL on SQLite and PostgreSQL (calendar-db.ts).
// Every edit of rules or exceptions bumps calendar_state.version in its transaction (and, on
// PostgreSQL, notifies calendar_rules): running servers see the new version and regenerate.
import { UsageError } from "../../../shared/errors.ts";
import { calendar_doctor_ids } from "../../../shared/limits.ts";
import { doctorKey } from "../../../shared/names.ts";
import type { AppointmentType, Exception, Rule } from "../calendar/types.ts";
import { loadTypes } from "./type-records.ts";
import type { CalendarDb, Row } from "./calendar-db.ts";

export type CalendarDoctor = { number: number; name: string; port: number };
/** What was booked; `type` "" is a rule's plain slot, and the buffers (minutes) block the doctor's time around it. */
export type Appointment = {
  doctorNumber: number;
  startMs: number;
  minutes: number;
  patient: string;
  type?: string;
  before?: number;
  after?: number;
};
export type CalendarData = {
  version: number;
  doctors: CalendarDoctor[];
  rules: Rule[];
  exceptions: Exception[];
  /** The appointment types, by name. */
  types: AppointmentType[];
};

/** The PostgreSQL channel a change of the rules is announced on. */
export const rules_channel = "calendar_rules";

const num = (v: unknown) => Number(v);
const list = (text: unknown) => (String(text) === "" ? [] : String(text).split(",").map(Number));
const orNull = (v: unknown) => (v === null || v === undefined ? null : String(v));

/**
 * True when the database has availability rules or one-off openings (a clinic may run on openings
 * alone): the server then runs on a calendar. Away entries alone offer nothing: no calendar.
 */
export async function isCalendar(db: CalendarDb): Promise<boolean> {
  // A database stamped with this version by hand (or a test) may lack the tables: no calendar then.
  const rows = await db
    .all(
      "SELECT (SELECT count(*) FROM calendar_rules) + " +
        "(SELECT count(*) FROM calendar_exceptions WHERE kind = 'open') AS n",
    )
    .catch(() => [{ n: 0 }]);
  return num(rows[0]!.n) > 0;
}

/** The same of loaded records: rules or openings. */
export const offersSlots = (data: Pick<CalendarData, "rules" | "exceptions">): boolean =>
  data.rules.length > 0 || data.exceptions.some((e) => e.kind === "open");

/** What `list` and an edit say of a database that is no calendar (isCalendar). */
export const no_calendar_note = "no rules or openings in this database: a server started on it uses availabilities.txt";

export async function calendarVersion(db: CalendarDb): Promise<number> {
  return num((await db.all("SELECT version FROM calendar_state"))[0]?.version ?? 0);
}

export async function loadCalendar(db: CalendarDb): Promise<CalendarData> {
  const version = await calendarVersion(db);
  const doctors = (await db.all("SELECT id, name, port FROM calendar_doctors ORDER BY id")).map((r) => ({
    number: num(r.id),
    name: String(r.name),
    port: num(r.port),
  }));
  const nameOf = new Map(doctors.map((d) => [d.number, d.name]));
  const rules = (await db.all("SELECT * FROM calendar_rules ORDER BY id")).map((r) => toRule(r, nameOf));
  const exceptions = (await db.all("SELECT * FROM calendar_exceptions ORDER BY id")).map((r) => toException(r, nameOf));
  return { version, doctors, rules, exceptions, types: await loadTypes(db) };
}

function toRule(r: Row, nameOf: Map<number, string>): Rule {
  return {
    id: num(r.id),
    doctor: nameOf.get(num(r.doctor)) ?? "?",
    weekdays: list(r.weekdays),
    start: String(r.start_time),
    end: String(r.end_time),
    minutes: num(r.minutes),
    everyWeeks: num(r.every_weeks),
    nthOfMonth: list(r.nth_of_month),
    validFrom: orNull(r.valid_from),
    validUntil: orNull(r.valid_until),
    ...(r.types ? { types: String(r.types).split(",") } : {}),
  };
}

function toException(r: Row, nameOf: Map<number, string>): Exception {
  return {
    id: num(r.id),
    doctor: nameOf.get(num(r.doctor)) ?? "?",
    kind: r.kind === "open" ? "open" : "away",
    fromDate: String(r.from_date),
    toDate: String(r.to_date),
    fromTime: orNull(r.from_time),
    toTime: orNull(r.to_time),
    minutes: r.minutes === null ? null : num(r.minutes),
    reason: String(r.reason),
  };
}

/** Appointments that have not ended by `ms`, in time order. */
export async function appointmentsFrom(db: CalendarDb, ms: number): Promise<Appointment[]> {
  const rows = await db.all(
    "SELECT doctor, start_ms, minutes, patient, type, before_min, after_min FROM appointments " +
      "WHERE start_ms + minutes * 60000 > ? ORDER BY start_ms, doctor",
    [ms],
  );
  return rows.map((r) => ({
    doctorNumber: num(r.doctor),
    startMs: num(r.start_ms),
    minutes: num(r.minutes),
    patient: String(r.patient),
    type: String(r.type ?? ""),
    before: num(r.before_min ?? 0),
    after: num(r.after_min ?? 0),
  }));
}

/** The doctor's number, numbering a new doctor (who then needs a port). Undefined: new and no port. */
export async function doctorNumber(
  db: CalendarDb,
  name: string,
  port: number | undefined,
): Promise<number | undefined> {
  const found = await db.all("SELECT id, port FROM calendar_doctors WHERE name = ?", [name]);
  if (found[0]) {
    if (port !== undefined && port !== num(found[0].port))
      await db.run("UPDATE calendar_doctors SET port = ? WHERE id = ?", [port, found[0].id]);
    return num(found[0].id);
  }
  // The protocol compares doctors without case, and doctorN is docN: DOC1 beside doc1 would be one
  // doctor to patients (`slots doctor=doc1` lists both) and two to the calendar, booked twice at once.
  const names = (await db.all("SELECT name FROM calendar_doctors")).map((r) => String(r.name));
  const same = names.find((n) => doctorKey(n) === doctorKey(name));
  if (same !== undefined)
    throw new UsageError(
      `${name} is ${same} written another way (doctor names are compared without case, and doctorN is docN): ` +
        `write ${same}`,
      { hint: false },
    );
  if (port === undefined) return undefined;
  const rows = await db.all("INSERT INTO calendar_doctors (name, port) VALUES (?, ?) RETURNING id", [name, port]);
  const id = num(rows[0]!.id);
  // A slot's id is (start minute) * calendar_doctor_ids + this number: past it, one doctor's slot would
  // have another's id a minute later. Thrown inside the edit's transaction, so the row goes with it.
  if (id >= calendar_doctor_ids)
    throw new UsageError(
      `the calendar numbers at most ${calendar_doctor_ids - 1} doctors (a slot's id holds the number in ` +
        `${String(calendar_doctor_ids - 1).length} digits): ${name} is not added`,
      { hint: false },
    );
  return id;
}

export async function insertRule(db: CalendarDb, doctor: number, r: Omit<Rule, "id" | "doctor">): Promise<number> {
  const rows = await db.all(
    `INSERT INTO calendar_rules
       (doctor, weekdays, start_time, end_time, minutes, every_weeks, nth_of_month, valid_from, valid_until, types)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [
      doctor,
      r.weekdays.join(","),
      r.start,
      r.end,
      r.minutes,
      r.everyWeeks,
      r.nthOfMonth.join(","),
      r.validFrom,
      r.validUntil,
      (r.types ?? []).join(","),
    ],
  );
  return num(rows[0]!.id);
}

export async function insertException(
  db: CalendarDb,
  doctor: number,
  e: Omit<Exception, "id" | "doctor">,
): Promise<number> {
  const rows = await db.all(
    `INSERT INTO calendar_exceptions (doctor, kind, from_date, to_date, from_time, to_time, minutes, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [doctor, e.kind, e.fromDate, e.toDate, e.fromTime, e.toTime, e.minutes, e.reason],
  );
  return num(rows[0]!.id);
}

/** Removes a rule (`rule`) or an exception (`exception`) by id; false when there is none. */
export async function removeRecord(db: CalendarDb, what: "rule" | "exception", id: number): Promise<boolean> {
  const table = what === "rule" ? "calendar_rules" : "calendar_exceptions";
  return (await db.all(`DELETE FROM ${table} WHERE id = ? RETURNING id`, [id])).length > 0;
}

/** Inside the edit's transaction: running servers regenerate once it commits. */
export async function bumpVersion(db: CalendarDb): Promise<void> {
  await db.run("UPDATE calendar_state SET version = version + 1");
  if (db.kind === "postgres") await db.run(`SELECT pg_notify('${rules_channel}', '')`);
}

/** Stores an appointment unless the doctor has one overlapping it; true when stored. */
export async function insertAppointment(db: CalendarDb, a: Appointment, bookedAt: number): Promise<boolean> {
  const rows = await db.all(
    `INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at)
     SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS
       (SELECT 1 FROM appointments WHERE doctor = ? AND start_ms < ? AND start_ms + minutes * 60000 > ?)
     RETURNING doctor`,
    [
      a.doctorNumber,
      a.startMs,
      a.minutes,
      a.patient,
      bookedAt,
      a.doctorNumber,
      a.startMs + a.minutes * 60_000,
      a.startMs,
    ],
  );
  return rows.length > 0;
}

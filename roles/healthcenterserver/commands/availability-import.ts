// `availability import availabilities.txt --from DATE`: a classic weekday file becomes weekly rules
// (one per line, `--minutes` long, default 60), and the bookings of the classic table move to their
// dated slots: each on the first date from --from that falls on its weekday (its start still to come;
// --from before today is refused), and any that cannot be carried are named. The classic rows are
// left as they were (a server with rules no longer reads them).
import { DataError, UsageError } from "../../../shared/errors.ts";
import { data_file_bytes_max, import_carry_weeks_max } from "../../../shared/limits.ts";
import { readRegularFile } from "../../../shared/regular-file.ts";
import { parseSlotTable } from "../../../shared/slot-file.ts";
import { byFlag } from "../cli/calendar-settings.ts";
import { timeOfMinute } from "../calendar/day-clock.ts";
import { localDate, localParts } from "../calendar/display.ts";
import { generateCalendarSlots } from "../calendar/typed-slots.ts";
import { parseAppointmentMinutes, parseWeekday } from "../calendar/parse.ts";
import { checkRuleOverlaps, validateRule } from "../calendar/validate.ts";
import { SqliteCalendarDb, type CalendarDb, type Row } from "../store/calendar-db.ts";
import { claimDatabaseFile } from "../store/sqlite/sqlite-file.ts";
import {
  type CalendarData,
  doctorNumber,
  insertAppointment,
  insertRule,
  loadCalendar,
} from "../store/calendar-records.ts";
import { applyEdit, type EditContext } from "./availability-edit.ts";

/** "01pm" -> "13:00", "10am" -> "10:00", "09:30" -> "09:30"; undefined if it is neither. */
export function classicTime(text: string): string | undefined {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(text);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const pm = m[3]?.toLowerCase() === "pm";
  if (m[3] && (hour < 1 || hour > 12)) return undefined;
  if (m[3]) hour = (hour % 12) + (pm ? 12 : 0);
  if (hour > 23) return undefined;
  return `${String(hour).padStart(2, "0")}:${m[2] ?? "00"}`;
}

type ClassicSlot = { index: number; doctor: string; port: number; weekday: number; start: string };

export async function importClassicFile(
  db: CalendarDb,
  file: string,
  fromDate: string,
  ctx: EditContext,
  minutesText: string | undefined,
): Promise<string[]> {
  if (!ctx.dryRun) refuseWhileServed(db);
  const slots = readClassicSlots(file);
  const minutes = byFlag("--minutes", minutesText ?? "60", parseAppointmentMinutes);
  const today = localDate(ctx.now, ctx.zone);
  if (fromDate < today)
    throw new UsageError(`--from ${fromDate} is before today (${today}): bookings carried there would be over`, {
      hint: false,
    });
  let rules = 0;
  let carried = { carried: 0, notCarried: [] as string[] };
  const report = await applyEdit(db, { ...ctx, carriesClassic: true }, `import ${file}`, async (tx) => {
    const seen = new Set<string>();
    const added: number[] = [];
    for (const s of slots) {
      const key = `${s.doctor} ${s.weekday} ${s.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const end = Temporal.PlainTime.from(s.start);
      const endMinutes = end.hour * 60 + end.minute + minutes;
      if (endMinutes > 24 * 60) throw new DataError(file, undefined, `slot ${s.index} would end after midnight`);
      const rule = { weekdays: [s.weekday], start: s.start, end: timeOfMinute(endMinutes), minutes };
      const full = { ...rule, everyWeeks: 1, nthOfMonth: [], validFrom: null, validUntil: null };
      validateRule({ id: 0, doctor: s.doctor, ...full });
      added.push(await insertRule(tx, (await doctorNumber(tx, s.doctor, s.port))!, full));
      rules++;
    }
    // Each new rule against every other (a second import of the same file, or a rule already there).
    const all = (await loadCalendar(tx)).rules;
    for (const id of added) checkRuleOverlaps(all.find((r) => r.id === id)!, all, today);
    carried = await carryBookings(tx, slots, fromDate, minutes, ctx);
  });
  const { notCarried } = carried;
  return [
    ...report.lines,
    `${rules} weekly rules from ${file}; ${carried.carried} booking(s) carried over to their dated slots`,
    ...(notCarried.length === 0 ? [] : [`${notCarried.length} booking(s) not carried: ${notCarried.join("; ")}`]),
  ];
}

/**
 * A server still on the weekday file keeps confirming bookings there after the import, and no import carries
 * those: they were gone at its restart. So the import waits for it to stop (SQLite: a server holds its file's
 * claim; the import takes it too, so that none starts meanwhile).
 */
function refuseWhileServed(db: CalendarDb): void {
  if (!(db instanceof SqliteCalendarDb)) return;
  const path = db.db.filename;
  if (claimDatabaseFile(path, "allow") === undefined) return;
  const lost = "bookings it confirmed on the weekday file after the import would not be carried over";
  throw new UsageError(`a server is running on ${path}: stop it, import, then start it again (${lost})`, {
    hint: false,
  });
}

function readClassicSlots(file: string): ClassicSlot[] {
  // As the server reads availabilities.txt: a FIFO or a link to /dev/zero is refused, not waited on.
  return parseSlotTable(file, readRegularFile(file, data_file_bytes_max))
    .toArray()
    .map((s) => {
      const weekday = weekdayOf(s.day);
      const start = classicTime(s.time);
      if (weekday === undefined || start === undefined)
        throw new DataError(file, undefined, `slot ${s.index}: ${s.day} ${s.time} is not a weekday and time`);
      return { index: s.index, doctor: s.doctor, port: s.port, weekday, start };
    });
}

/**
 * The classic bookings as appointments: each on the first date from `fromDate` on its weekday still to come
 * where the calendar has that slot (not where its time falls in a spring-forward gap, or the doctor is away).
 */
async function carryBookings(
  tx: CalendarDb,
  slots: ClassicSlot[],
  fromDate: string,
  minutes: number,
  ctx: EditContext,
): Promise<{ carried: number; notCarried: string[] }> {
  const out = { carried: 0, notCarried: [] as string[] };
  const byIndex = new Map(slots.map((s) => [s.index, s]));
  const booked = await classicBookings(tx);
  const data = await loadCalendar(tx);
  for (const b of booked) {
    const s = byIndex.get(Number(b.slot));
    if (!s) continue;
    const patient = String(b.patient);
    const found = firstSlot(data, s, fromDate, ctx);
    if (found === undefined) {
      out.notCarried.push(
        `${patient} slot ${s.index} (${s.doctor} has no ${s.start} slot on that weekday within a year)`,
      );
      continue;
    }
    const doctor = (await doctorNumber(tx, s.doctor, s.port))!;
    const appointment = { doctorNumber: doctor, startMs: found.startMs, minutes, patient };
    if (await insertAppointment(tx, appointment, ctx.now)) out.carried++;
    else out.notCarried.push(`${patient} slot ${s.index} (${found.date} ${s.start} ${s.doctor}: taken)`);
  }
  return out;
}

/** The first date from `fromDate` on the slot's weekday, still to come, whose calendar offers its start. */
function firstSlot(data: CalendarData, s: ClassicSlot, fromDate: string, ctx: EditContext) {
  const rules = data.rules.filter((r) => r.doctor === s.doctor);
  const exceptions = data.exceptions.filter((e) => e.doctor === s.doctor);
  let date = Temporal.PlainDate.from(fromDate);
  while (date.dayOfWeek !== s.weekday) date = date.add({ days: 1 });
  for (let week = 0; week < import_carry_weeks_max; week++, date = date.add({ days: 7 })) {
    const day = date.toString();
    const slot = generateCalendarSlots(rules, exceptions, data.types, ctx.zone, day, day).find(
      (x) => x.startMs > ctx.now && localParts(x.startMs, ctx.zone).time === s.start,
    );
    if (slot) return { date: day, startMs: slot.startMs };
  }
  return undefined;
}

/** The classic file's day ("Mon", "monday") as an ISO weekday, by the calendar's parser; undefined if it is none. */
function weekdayOf(day: string): number | undefined {
  try {
    return parseWeekday(day);
  } catch {
    return undefined;
  }
}

/** The classic bookings; none where the table was never made (a SQLite file only availability has written). */
async function classicBookings(tx: CalendarDb): Promise<Row[]> {
  // Asked, not caught: a failed read must fail the import (on PostgreSQL it also aborts the transaction).
  const table = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bookings'";
  if (tx.kind === "sqlite" && (await tx.all(table)).length === 0) return [];
  return tx.all("SELECT slot, patient FROM bookings ORDER BY slot");
}

// `availability import availabilities.txt --from DATE`: a classic weekday file becomes weekly rules
// (one per line, `--minutes` long, default 60), and the bookings of the classic table move to their
// dated slots: each on the first date from --from that falls on its weekday. The classic rows are
// left as they were (a server with rules no longer reads them).
import { readFileSync } from "node:fs";
import { DataError } from "../../../shared/errors.ts";
import { parseSlotTable } from "../../../shared/slot-file.ts";
import { byFlag } from "../cli/calendar-settings.ts";
import { timeOfMinute } from "../calendar/day-clock.ts";
import { parseAppointmentMinutes, parseWeekday } from "../calendar/parse.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { doctorNumber, insertAppointment, insertRule } from "../store/calendar-records.ts";
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

export async function importClassicFile(
  db: CalendarDb,
  file: string,
  fromDate: string,
  ctx: EditContext,
  minutesText: string | undefined,
): Promise<string[]> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DataError(file, undefined, `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const table = parseSlotTable(file, text);
  const minutes = byFlag("--minutes", minutesText ?? "60", parseAppointmentMinutes);
  const slots = table.toArray().map((s) => {
    const weekday = weekdayOf(s.day);
    const start = classicTime(s.time);
    if (weekday === undefined || start === undefined)
      throw new DataError(file, undefined, `slot ${s.index}: ${s.day} ${s.time} is not a weekday and time`);
    return { ...s, weekday, start };
  });
  let carried = 0;
  let rules = 0;
  const report = await applyEdit(db, ctx, `import ${file}`, async (tx) => {
    const seen = new Set<string>();
    for (const s of slots) {
      const key = `${s.doctor} ${s.weekday} ${s.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const end = Temporal.PlainTime.from(s.start);
      const endMinutes = end.hour * 60 + end.minute + minutes;
      if (endMinutes > 24 * 60) throw new DataError(file, undefined, `slot ${s.index} would end after midnight`);
      const rule = { weekdays: [s.weekday], start: s.start, end: timeOfMinute(endMinutes), minutes };
      const doctor = (await doctorNumber(tx, s.doctor, s.port))!;
      await insertRule(tx, doctor, { ...rule, everyWeeks: 1, nthOfMonth: [], validFrom: null, validUntil: null });
      rules++;
    }
    const byIndex = new Map(slots.map((s) => [s.index, s]));
    const booked = await tx.all("SELECT slot, patient FROM bookings ORDER BY slot").catch(() => []);
    for (const b of booked) {
      const s = byIndex.get(Number(b.slot));
      if (!s) continue;
      let date = Temporal.PlainDate.from(fromDate);
      while (date.dayOfWeek !== s.weekday) date = date.add({ days: 1 });
      const startMs = date.toZonedDateTime({ timeZone: ctx.zone, plainTime: s.start }).epochMilliseconds;
      const doctor = (await doctorNumber(tx, s.doctor, s.port))!;
      if (await insertAppointment(tx, { doctorNumber: doctor, startMs, minutes, patient: String(b.patient) }, ctx.now))
        carried++;
    }
  });
  return [
    ...report.lines,
    `${rules} weekly rules from ${file}; ${carried} booking(s) carried over to their dated slots`,
  ];
}

/** The classic file's day ("Mon", "monday") as an ISO weekday, by the calendar's parser; undefined if it is none. */
function weekdayOf(day: string): number | undefined {
  try {
    return parseWeekday(day);
  } catch {
    return undefined;
  }
}

// `availability list`: the rules and exceptions with their ids, then the next two weeks as a table
// (per date and doctor: the first and last slot, how many, how many booked).
import { localDate, localParts } from "../calendar/display.ts";
import { generateCalendarSlots, offeredByDefault } from "../calendar/typed-slots.ts";
import { exceptionText, ruleText } from "../calendar/validate.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { appointmentsFrom, loadCalendar, no_calendar_note, offersSlots } from "../store/calendar-records.ts";

const day_names = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const list_days = 14;

export async function listAvailability(db: CalendarDb, zone: string, now: number): Promise<string[]> {
  const data = await loadCalendar(db);
  const lines = [`Availability (time zone ${zone}):`];
  if (!offersSlots(data)) lines.push(`  ${no_calendar_note}`);
  for (const r of data.rules) lines.push(`  r${r.id}  ${ruleText(r)}`);
  for (const e of data.exceptions) lines.push(`  e${e.id}  ${e.kind} ${exceptionText(e)}`);
  const today = Temporal.PlainDate.from(localDate(now, zone));
  const last = today.add({ days: list_days - 1 });
  const slots = generateCalendarSlots(
    data.rules,
    data.exceptions,
    data.types,
    zone,
    today.toString(),
    last.toString(),
  ).filter(offeredByDefault);
  const names = new Map(data.doctors.map((d) => [d.number, d.name]));
  const booked = new Set((await appointmentsFrom(db, now)).map((a) => `${names.get(a.doctorNumber)} ${a.startMs}`));
  const doctors = data.doctors.map((d) => d.name);
  const cells = new Map<string, { first: string; last: string; n: number; booked: number }>();
  for (const s of slots) {
    if (s.startMs <= now) continue;
    const l = localParts(s.startMs, zone);
    const key = `${l.date} ${s.doctor}`;
    const cell = cells.get(key) ?? { first: l.time, last: l.time, n: 0, booked: 0 };
    cell.last = l.time;
    cell.n++;
    if (booked.has(`${s.doctor} ${s.startMs}`)) cell.booked++;
    cells.set(key, cell);
  }
  const rows: string[][] = [["date", ...doctors]];
  for (let d = today; Temporal.PlainDate.compare(d, last) <= 0; d = d.add({ days: 1 })) {
    const row = doctors.map((doc) => {
      const c = cells.get(`${d} ${doc}`);
      return c ? `${c.first}-${c.last} ${c.n} (${c.booked} booked)` : "-";
    });
    rows.push([`${day_names[d.dayOfWeek]} ${d}`, ...row]);
  }
  // Each column as wide as its widest cell, so the table lines up whatever the counts.
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  lines.push(
    "",
    "Next two weeks:",
    ...rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd()),
  );
  return lines;
}

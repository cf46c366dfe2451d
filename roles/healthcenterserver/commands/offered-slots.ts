// Which slots a calendar offers, for an edit's report and its check that no booked appointment loses its
// slot: each slot id with the appointment types that may start there. A typed appointment keeps its slot
// only where its type still starts (docs/CALENDAR.md: a length change that leaves a booked start off its
// type's grid is refused like any edit that strands a booking).
import { localDate } from "../calendar/display.ts";
import { slotId } from "../calendar/slot-id.ts";
import { generateCalendarSlots } from "../calendar/typed-slots.ts";
import type { DatedSlot } from "../calendar/types.ts";
import type { Appointment, CalendarData } from "../store/calendar-records.ts";

/** Slot id -> the types that may start there, as bits of the calendar's types (a plain slot: every bit). */
export type Offered = Map<number, number>;

function add(offered: Offered, data: CalendarData, slots: readonly DatedSlot[], now: number): Offered {
  const numbers = new Map(data.doctors.map((d) => [d.name, d.number]));
  for (const s of slots)
    if (s.startMs > now) offered.set(slotId(numbers.get(s.doctor) ?? 0, s.startMs), s.typed?.mask ?? -1);
  return offered;
}

/** The slots `data` offers from today for `weeks` weeks. */
export function offeredIds(data: CalendarData, zone: string, weeks: number, now: number): Offered {
  const today = localDate(now, zone);
  const last = Temporal.PlainDate.from(today).add({ days: weeks * 7 - 1 });
  const slots = generateCalendarSlots(data.rules, data.exceptions, data.types, zone, today, last.toString());
  return add(new Map(), data, slots, now);
}

/**
 * The slots `data` offers on the local dates past the first `weeks` weeks that hold a booked appointment,
 * each date made alone for the doctors booked on it (a date's slots depend on that date alone). A server
 * may run a longer horizon (up to 104 weeks) than an edit's report counts, and a booking there must not
 * lose its slot unseen (before: an edit stranded it silently, and a zone change called it off the slots).
 */
export function offeredOnBookedDates(
  data: CalendarData,
  zone: string,
  weeks: number,
  now: number,
  booked: readonly Appointment[],
): Offered {
  const last = Temporal.PlainDate.from(localDate(now, zone))
    .add({ days: weeks * 7 - 1 })
    .toString();
  const names = new Map(data.doctors.map((d) => [d.number, d.name]));
  const doctorsOn = new Map<string, Set<string>>();
  for (const a of booked) {
    const date = localDate(a.startMs, zone);
    const name = names.get(a.doctorNumber);
    if (date <= last || name === undefined) continue;
    doctorsOn.set(date, (doctorsOn.get(date) ?? new Set()).add(name));
  }
  const offered: Offered = new Map();
  for (const [date, doctors] of doctorsOn) {
    const rules = data.rules.filter((r) => doctors.has(r.doctor));
    const exceptions = data.exceptions.filter((e) => doctors.has(e.doctor));
    add(offered, data, generateCalendarSlots(rules, exceptions, data.types, zone, date, date), now);
  }
  return offered;
}

/** Whether `a` is on a slot of `data` where its type (if it has one) may start. */
export function onItsSlot(a: Appointment, data: CalendarData, ...offered: Offered[]): boolean {
  const id = slotId(a.doctorNumber, a.startMs);
  const mask = offered.find((o) => o.has(id))?.get(id);
  if (mask === undefined) return false;
  if (a.type === "") return true;
  const bit = data.types.findIndex((t) => t.name === a.type);
  return bit >= 0 && (mask & (1 << bit)) !== 0;
}

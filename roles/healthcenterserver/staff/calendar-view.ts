// The staff page's view of a calendar's slots: each day labelled with its date ("2026-12-08 Tue", so
// days sort in calendar order), the time of day alone, and a booking no rule offers any more in a
// row of its own, marked "outside availability". A classic schedule is shown as it is.
import type { Slot } from "../../../shared/datafiles.ts";
import type { SlotList } from "../../../shared/slot-table.ts";
import type { Schedule } from "../booking/schedule.ts";
import type { AppointmentType, Exception } from "../calendar/types.ts";

export function staffSlots(schedule: Schedule): SlotList {
  const calendar = schedule.calendar;
  const table = schedule.slots;
  if (!calendar) return table;
  const at = (p: number): Slot => {
    const slot = table.at(p);
    const [time, date] = slot.time.split(" ");
    const outside = calendar.outside[p] === 1 ? " outside availability" : "";
    return { ...slot, day: `${date} ${slot.day}`, time: `${time}${outside}` };
  };
  return {
    length: table.length,
    at,
    map: (fn) => Array.from({ length: table.length }, (_, p) => fn(at(p), p)),
    forEach: (fn) => {
      for (let p = 0; p < table.length; p++) fn(at(p), p);
    },
  };
}

/**
 * "Times in Europe/London. Appointment types: first 30 min (5 after), followup 15 min. Away: doc2
 * 2026-12-21..2027-01-08 (annual leave)." for the page's note (types only when the clinic has some).
 */
export function calendarNote(
  zone: string,
  exceptions: readonly Exception[],
  today: string,
  types: readonly AppointmentType[] = [],
): string {
  const kinds = types.map((t) => {
    const buffers = [t.before > 0 ? `${t.before} before` : "", t.after > 0 ? `${t.after} after` : ""].filter(Boolean);
    return `${t.name} ${t.minutes} min${buffers.length > 0 ? ` (${buffers.join(", ")})` : ""}`;
  });
  const typed = kinds.length > 0 ? ` Appointment types: ${kinds.join(", ")}.` : "";
  const away = exceptions
    .filter((e) => e.kind === "away" && e.toDate >= today)
    .map((e) => {
      const hours = e.fromTime ? ` ${e.fromTime}-${e.toTime}` : "";
      return `${e.doctor} ${e.fromDate}..${e.toDate}${hours}${e.reason ? ` (${e.reason})` : ""}`;
    });
  return `Times in ${zone}.${typed}${away.length > 0 ? ` Away: ${away.join("; ")}.` : ""}`;
}

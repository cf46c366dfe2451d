// A calendar's schedule: dated slots (generated for the horizon, and every booked one still to come,
// inside availability or not) as a SlotTable indexed by slot id (calendar/slot-id.ts, so index order
// is time order), with each position's start, length and local time beside it.
import { SlotTableBuilder, type SlotTable } from "../../../shared/slot-table.ts";
import { isoOf, localParts } from "../calendar/display.ts";
import { slotId } from "../calendar/slot-id.ts";
import type { DatedSlot } from "../calendar/types.ts";

export type CalendarDoctorInfo = { number: number; name: string; port: number };

/** One slot of the table to build; `outside`: booked, and no rule offers it any more. */
export type CalendarEntry = {
  id: number;
  doctor: string;
  port: number;
  startMs: number;
  minutes: number;
  outside: boolean;
};

export class CalendarSlots {
  constructor(
    /** The clinic's IANA zone. */
    readonly zone: string,
    readonly startMs: Float64Array,
    readonly minutes: Uint16Array,
    readonly outside: Uint8Array,
    /** Per position: "YYYY-MM-DDTHH:MM±HH:MM". */
    readonly iso: string[],
  ) {}
}

/** Entries for the generated slots that start after `nowMs`; doctors without a number are skipped. */
export function generatedEntries(
  slots: readonly DatedSlot[],
  doctors: Map<string, CalendarDoctorInfo>,
  nowMs: number,
): CalendarEntry[] {
  const out: CalendarEntry[] = [];
  for (const s of slots) {
    const d = doctors.get(s.doctor);
    if (d === undefined || s.startMs <= nowMs) continue;
    out.push({
      id: slotId(d.number, s.startMs),
      doctor: d.name,
      port: d.port,
      startMs: s.startMs,
      minutes: s.minutes,
      outside: false,
    });
  }
  return out;
}

/** The table and its calendar columns, in id order; an id given twice is kept once (the first). */
export function buildCalendarTable(
  entries: CalendarEntry[],
  zone: string,
): { table: SlotTable; calendar: CalendarSlots } {
  entries.sort((a, b) => a.id - b.id);
  const unique = entries.filter((e, i) => i === 0 || entries[i - 1]!.id !== e.id);
  const b = new SlotTableBuilder(unique.length);
  const n = unique.length;
  const startMs = new Float64Array(n);
  const minutes = new Uint16Array(n);
  const outside = new Uint8Array(n);
  const iso: string[] = new Array(n);
  unique.forEach((e, p) => {
    const local = localParts(e.startMs, zone);
    // The `available` line's time field carries the date after it: "<id> <Day> <HH:MM> <YYYY-MM-DD>".
    b.add(e.id, local.weekday, `${local.time} ${local.date}`, e.doctor, e.port);
    startMs[p] = e.startMs;
    minutes[p] = e.minutes;
    outside[p] = e.outside ? 1 : 0;
    iso[p] = isoOf(local);
  });
  return { table: b.finish(), calendar: new CalendarSlots(zone, startMs, minutes, outside, iso) };
}

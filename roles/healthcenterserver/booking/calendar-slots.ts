// A calendar's schedule: dated slots (generated for the horizon, and every booked one still to come,
// inside availability or not) as a SlotTable indexed by slot id (calendar/slot-id.ts, so index order
// is time order), with each position's start, length and local time beside it.
import { SlotTableBuilder, type SlotTable } from "../../../shared/slot-table.ts";
import { isoOf, localParts } from "../calendar/display.ts";
import { slotId } from "../calendar/slot-id.ts";
import type { AppointmentType, DatedSlot, TypedMark } from "../calendar/types.ts";
import type { BookedSpan } from "./booked-spans.ts";

export type CalendarDoctorInfo = { number: number; name: string; port: number };

/** One slot of the table to build; `outside`: booked, and no rule offers it any more. */
export type CalendarEntry = {
  id: number;
  doctor: string;
  port: number;
  startMs: number;
  minutes: number;
  outside: boolean;
  /** On a rule with types: which may start here, and whether this is on its default's grid. */
  typed?: TypedMark;
};

/** Per position, on a calendar with typed rules: types.ts's TypedMark (mask 0: a plain slot). */
export type TypedColumns = { mask: Uint32Array; defaultType: Int8Array; offered: number };

export class CalendarSlots {
  constructor(
    /** The clinic's IANA zone. */
    readonly zone: string,
    readonly startMs: Float64Array,
    readonly minutes: Uint16Array,
    readonly outside: Uint8Array,
    /** Per position: "YYYY-MM-DDTHH:MM±HH:MM". */
    readonly iso: string[],
    /** The clinic's appointment types, by name (a mask's bit i is types[i]). */
    readonly types: readonly AppointmentType[] = [],
    /** Only when a rule offers types. */
    readonly typed?: TypedColumns,
  ) {}
}

const plain = (minutes: number): BookedSpan => ({ type: "", minutes, before: 0, after: 0 });

/**
 * What booking the slot at `p` as type number `type` would block (undefined: the default) or
 * undefined when it is not offered so: a plain slot takes no type, a typed point only its types, and
 * without a type only the points on the rule's default grid.
 */
export function offeredSpan(cal: CalendarSlots, p: number, type?: number): BookedSpan | undefined {
  const typed = cal.typed;
  const mask = typed?.mask[p] ?? 0;
  if (mask === 0) return type === undefined ? plain(cal.minutes[p]!) : undefined;
  const chosen = type ?? typed!.defaultType[p]!;
  if (chosen < 0 || (mask & (1 << chosen)) === 0) return undefined;
  const t = cal.types[chosen]!;
  return { type: t.name, minutes: t.minutes, before: t.before, after: t.after };
}

/** The plain span of a slot booked without a type (a stored booking of an older server, another's). */
export function plainSpan(cal: CalendarSlots, p: number): BookedSpan {
  return plain(cal.minutes[p]!);
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
      ...(s.typed ? { typed: s.typed } : {}),
    });
  }
  return out;
}

/** The table and its calendar columns, in id order; an id given twice is kept once (the first). */
export function buildCalendarTable(
  entries: CalendarEntry[],
  zone: string,
  types: readonly AppointmentType[] = [],
): { table: SlotTable; calendar: CalendarSlots } {
  entries.sort((a, b) => a.id - b.id);
  const unique = entries.filter((e, i) => i === 0 || entries[i - 1]!.id !== e.id);
  const b = new SlotTableBuilder(unique.length);
  const n = unique.length;
  const startMs = new Float64Array(n);
  const minutes = new Uint16Array(n);
  const outside = new Uint8Array(n);
  const iso: string[] = new Array(n);
  const typed = unique.some((e) => e.typed)
    ? { mask: new Uint32Array(n), defaultType: new Int8Array(n).fill(-1), offered: 0 }
    : undefined;
  unique.forEach((e, p) => {
    const local = localParts(e.startMs, zone);
    // The `available` line's time field carries the date after it: "<id> <Day> <HH:MM> <YYYY-MM-DD>".
    b.add(e.id, local.weekday, `${local.time} ${local.date}`, e.doctor, e.port);
    startMs[p] = e.startMs;
    minutes[p] = e.minutes;
    outside[p] = e.outside ? 1 : 0;
    iso[p] = isoOf(local);
    if (typed && e.typed) {
      [typed.mask[p], typed.defaultType[p]] = [e.typed.mask, e.typed.defaultType];
      typed.offered |= e.typed.mask;
    }
  });
  return { table: b.finish(), calendar: new CalendarSlots(zone, startMs, minutes, outside, iso, types, typed) };
}

// On a calendar, what each held slot blocks of its doctor's time: [start - before, start + minutes +
// after), whatever type was booked. Kept per doctor in start order, so "does this span meet a booked
// one" is a binary search and a short walk back (no span is longer than span_ms_max). Keyed by slot id
// (doctor and start), so it outlives a rebuild of the slot table.
import {
  appointment_buffer_minutes_max,
  appointment_minutes_max,
  calendar_doctor_ids,
} from "../../../shared/limits.ts";
import type { SlotTable } from "../../../shared/slot-table.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";

import type { BookedAs } from "../store/appointment-store.ts";

/** What was booked at a slot: the type's name ("" = a plain slot), its length and buffers, in minutes. */
export type BookedSpan = BookedAs;

const minute_ms = 60_000;
const span_ms_max = (appointment_minutes_max + 2 * appointment_buffer_minutes_max) * minute_ms;

type Entry = { from: number; to: number; index: number };

/** [from, to) in epoch ms of a span starting at startMs. */
export function blockedRange(startMs: number, span: BookedSpan): [number, number] {
  return [startMs - span.before * minute_ms, startMs + (span.minutes + span.after) * minute_ms];
}

/** Do booked spans meet other slots' starts at once? On a typed calendar, or one with a slot outside availability. */
export function spansMayMeet(calendar: { typed?: unknown; outside: Uint8Array } | undefined): boolean {
  return calendar !== undefined && (calendar.typed !== undefined || calendar.outside.includes(1));
}

export class BookedSpans {
  private readonly byDoctor = new Map<number, Entry[]>();
  private readonly byIndex = new Map<number, BookedSpan>();
  /**
   * Whether a booked span may meet another slot's start: on a typed calendar, or once a booking made
   * under older rules (kept outside availability, or longer than its slot is now) is held. Elsewhere a
   * doctor's slots never overlap and only a slot's own holder counts (the common, cheaper case).
   */
  meet = false;

  /** Notes a booking of `span` on a slot of `slotMinutes`: true when spans meet now and did not before. */
  note(span: BookedSpan | undefined, slotMinutes: number): boolean {
    if (this.meet || span === undefined) return false;
    this.meet = span.minutes !== slotMinutes || span.before > 0 || span.after > 0;
    return this.meet;
  }

  spanOf(index: number): BookedSpan | undefined {
    return this.byIndex.get(index);
  }

  add(index: number, span: BookedSpan): void {
    this.remove(index);
    const { doctorNumber, startMs } = decodeSlotId(index);
    const [from, to] = blockedRange(startMs, span);
    let list = this.byDoctor.get(doctorNumber);
    if (list === undefined) this.byDoctor.set(doctorNumber, (list = []));
    list.splice(firstFromAtLeast(list, from), 0, { from, to, index });
    this.byIndex.set(index, span);
  }

  remove(index: number): void {
    const span = this.byIndex.get(index);
    if (span === undefined) return;
    this.byIndex.delete(index);
    const { doctorNumber, startMs } = decodeSlotId(index);
    const list = this.byDoctor.get(doctorNumber)!;
    const [from] = blockedRange(startMs, span);
    for (let i = firstFromAtLeast(list, from); i < list.length && list[i]!.from === from; i++)
      if (list[i]!.index === index) return void list.splice(i, 1);
  }

  /** Does booking `span` at `index` meet a booked span of its doctor (other than `except`'s)? */
  blocks(index: number, span: BookedSpan, except?: number): boolean {
    const { doctorNumber, startMs } = decodeSlotId(index);
    const list = this.byDoctor.get(doctorNumber);
    if (list === undefined || list.length === 0) return false;
    const [from, to] = blockedRange(startMs, span);
    // Entries starting before `to`, walked back while they could still reach `from`.
    for (let i = firstFromAtLeast(list, to) - 1; i >= 0 && list[i]!.from > from - span_ms_max; i--) {
      const e = list[i]!;
      if (e.to > from && e.index !== except) return true;
    }
    return false;
  }
}

/**
 * The `available` blocks [first, end) a change at `position` of a calendar's table (in id order, so in
 * time order) may touch: the starts within the longest span of it, whose own spans could meet its.
 */
export function blocksNear(slots: SlotTable, position: number, blockSlots: number): [number, number] {
  const reach = (span_ms_max / minute_ms) * calendar_doctor_ids;
  const id = slots.indexAt(position);
  const firstAtLeast = (bound: number) => {
    let [lo, hi] = [0, slots.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (slots.indexAt(mid) < bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [Math.floor(firstAtLeast(id - reach) / blockSlots), Math.floor(firstAtLeast(id + reach) / blockSlots) + 1];
}

/** The first place whose `from` is at least `ms` (binary search). */
function firstFromAtLeast(list: readonly Entry[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.from < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

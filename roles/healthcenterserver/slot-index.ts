// Positions of the schedule's slots in index order, overall, per day and per doctor, so a page of
// `slots` costs the page (plus the taken slots it skips), not the size of the schedule.
import type { Slot } from "../../shared/datafiles.ts";

export type SlotQuery = { day?: string; doctor?: string; after: number; limit: number };

const key = (text: string) => text.toLowerCase();

export class SlotIndex {
  private readonly all: Int32Array;
  private readonly byDay: Map<string, Int32Array>;
  private readonly byDoctor: Map<string, Int32Array>;

  constructor(private readonly slots: readonly Slot[]) {
    const order = Int32Array.from(slots.keys());
    if (!slots.every((s, p) => p === 0 || slots[p - 1]!.index < s.index)) order.sort((a, b) => slots[a]!.index - slots[b]!.index);
    this.all = order;
    this.byDay = groupBy(order, (p) => key(slots[p]!.day));
    this.byDoctor = groupBy(order, (p) => key(slots[p]!.doctor));
  }

  /** Positions of the slots that match and are free, index above `after`, at most `limit`, in index order. */
  page(query: SlotQuery, isFree: (position: number) => boolean): number[] {
    const day = query.day === undefined ? undefined : key(query.day);
    const doctor = query.doctor === undefined ? undefined : key(query.doctor);
    const list = this.narrowest(day, doctor);
    const out: number[] = [];
    for (let i = this.firstAfter(list, query.after); i < list.length && out.length < query.limit; i++) {
      const p = list[i]!;
      const slot = this.slots[p]!;
      if (day !== undefined && key(slot.day) !== day) continue;
      if (doctor !== undefined && key(slot.doctor) !== doctor) continue;
      if (isFree(p)) out.push(p);
    }
    return out;
  }

  private narrowest(day: string | undefined, doctor: string | undefined): Int32Array {
    const empty = new Int32Array(0);
    const lists = [
      day === undefined ? this.all : this.byDay.get(day) ?? empty,
      doctor === undefined ? this.all : this.byDoctor.get(doctor) ?? empty,
    ];
    return lists[0]!.length <= lists[1]!.length ? lists[0]! : lists[1]!;
  }

  /** The first place in `list` whose slot index is above `after` (binary search). */
  private firstAfter(list: Int32Array, after: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.slots[list[mid]!]!.index <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function groupBy(order: Int32Array, keyOf: (position: number) => string): Map<string, Int32Array> {
  const groups = new Map<string, number[]>();
  for (const p of order) {
    const k = keyOf(p);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(p);
  }
  return new Map([...groups].map(([k, g]) => [k, Int32Array.from(g)]));
}

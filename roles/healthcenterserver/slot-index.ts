// Positions of the schedule's slots in index order, overall, per day and per doctor, so a page of
// `slots` costs the page (plus the taken slots it skips), not the size of the schedule.
import type { SlotTable } from "../../shared/slot-table.ts";

export type SlotQuery = { day?: string; doctor?: string; after: number; limit: number };

const key = (text: string) => text.toLowerCase();

export class SlotIndex {
  private readonly all: Uint32Array;
  private readonly byDay: Map<string, Uint32Array>;
  private readonly byDoctor: Map<string, Uint32Array>;
  /** Per day and doctor name number: its key (matching ignores case). */
  private readonly dayKeys: string[];
  private readonly doctorKeys: string[];

  constructor(private readonly slots: SlotTable) {
    const order = slots.indexOrder();
    this.all = order;
    this.dayKeys = slots.days.list.map(key);
    this.doctorKeys = slots.doctors.list.map(key);
    this.byDay = groupBy(order, (p) => this.dayKeys[slots.dayIdAt(p)]!);
    this.byDoctor = groupBy(order, (p) => this.doctorKeys[slots.doctorIdAt(p)]!);
  }

  /** Positions of the slots that match and are free, index above `after`, at most `limit`, in index order. */
  page(query: SlotQuery, isFree: (position: number) => boolean): number[] {
    const day = query.day === undefined ? undefined : key(query.day);
    const doctor = query.doctor === undefined ? undefined : key(query.doctor);
    const list = this.narrowest(day, doctor);
    const out: number[] = [];
    for (let i = this.firstAfter(list, query.after); i < list.length && out.length < query.limit; i++) {
      const p = list[i]!;
      if (day !== undefined && this.dayKeys[this.slots.dayIdAt(p)] !== day) continue;
      if (doctor !== undefined && this.doctorKeys[this.slots.doctorIdAt(p)] !== doctor) continue;
      if (isFree(p)) out.push(p);
    }
    return out;
  }

  private narrowest(day: string | undefined, doctor: string | undefined): Uint32Array {
    const empty = new Uint32Array(0);
    const lists = [
      day === undefined ? this.all : this.byDay.get(day) ?? empty,
      doctor === undefined ? this.all : this.byDoctor.get(doctor) ?? empty,
    ];
    return lists[0]!.length <= lists[1]!.length ? lists[0]! : lists[1]!;
  }

  /** The first place in `list` whose slot index is above `after` (binary search). */
  private firstAfter(list: Uint32Array, after: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.slots.indexAt(list[mid]!) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function groupBy(order: Uint32Array, keyOf: (position: number) => string): Map<string, Uint32Array> {
  const groups = new Map<string, number[]>();
  for (const p of order) {
    const k = keyOf(p);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(p);
  }
  return new Map([...groups].map(([k, g]) => [k, Uint32Array.from(g)]));
}

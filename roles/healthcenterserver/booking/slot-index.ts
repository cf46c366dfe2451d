// Positions of the schedule's slots in index order, overall, per day, per doctor and per day and doctor, so a page of
// `slots` costs the page, not the size of the schedule: each list counts its free slots per chunk,
// and a page steps over a chunk with none free at once (a run of taken slots costs its chunks).
import { slots_index_chunk_entries } from "../../../shared/limits.ts";
import type { SlotTable } from "../../../shared/slot-table.ts";

/** `before`: only slots whose index is below it (on a calendar, ids are time order: a `to=` date). */
export type SlotQuery = { day?: string; doctor?: string; after: number; limit: number; before?: number };

const key = (text: string) => text.toLowerCase();

/** Positions in index order, and how many of them are free in each chunk. */
type OrderedList = { order: Uint32Array; free: Uint16Array };

const chunk = slots_index_chunk_entries;

export class SlotIndex {
  private readonly all: OrderedList;
  private readonly byDay: Map<string, OrderedList>;
  private readonly byDoctor: Map<string, OrderedList>;
  /** Per day and doctor together: a search for both, matching nothing, costs nothing (not the whole day). */
  private readonly byPair: Map<string, OrderedList>;
  /** Per position: its day-and-doctor list (found once, so marking a slot taken builds no key). */
  private readonly pairOf: OrderedList[];
  /** Per day and doctor name number: its key (matching ignores case). */
  private readonly dayKeys: string[];
  private readonly doctorKeys: string[];
  /** Per position: its place in `all`, in its day's list and in its doctor's list. */
  private readonly rankAll: Uint32Array;
  private readonly rankDay: Uint32Array;
  private readonly rankDoctor: Uint32Array;
  private readonly rankPair: Uint32Array;

  constructor(
    private readonly slots: SlotTable,
    isFree: (position: number) => boolean,
  ) {
    const n = slots.length;
    [this.rankAll, this.rankDay, this.rankDoctor] = [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)];
    this.rankPair = new Uint32Array(n);
    this.dayKeys = slots.days.list.map(key);
    this.doctorKeys = slots.doctors.list.map(key);
    const order = slots.indexOrder();
    this.all = ordered(order, this.rankAll, isFree);
    this.byDay = groupBy(order, (p) => this.dayKeys[slots.dayIdAt(p)]!, this.rankDay, isFree);
    this.byDoctor = groupBy(order, (p) => this.doctorKeys[slots.doctorIdAt(p)]!, this.rankDoctor, isFree);
    const pairKey = (p: number) => `${this.dayKeys[slots.dayIdAt(p)]}\n${this.doctorKeys[slots.doctorIdAt(p)]}`;
    this.byPair = groupBy(order, pairKey, this.rankPair, isFree);
    this.pairOf = Array.from({ length: n }, (_, p) => this.byPair.get(pairKey(p))!);
  }

  /** A slot became free (or taken): its chunk in each of its four lists counts it. */
  setFree(position: number, free: boolean): void {
    const delta = free ? 1 : -1;
    this.all.free[Math.floor(this.rankAll[position]! / chunk)]! += delta;
    this.byDay.get(this.dayKeys[this.slots.dayIdAt(position)]!)!.free[Math.floor(this.rankDay[position]! / chunk)]! +=
      delta;
    this.byDoctor.get(this.doctorKeys[this.slots.doctorIdAt(position)]!)!.free[
      Math.floor(this.rankDoctor[position]! / chunk)
    ]! += delta;
    this.pairOf[position]!.free[Math.floor(this.rankPair[position]! / chunk)]! += delta;
  }

  /** Positions of the slots that match and are free, index above `after`, at most `limit`, in index order. */
  page(query: SlotQuery, isFree: (position: number) => boolean): number[] {
    const day = query.day === undefined ? undefined : key(query.day);
    const doctor = query.doctor === undefined ? undefined : key(query.doctor);
    const { order, free } = this.narrowest(day, doctor);
    const out: number[] = [];
    for (let i = this.firstAfter(order, query.after); i < order.length && out.length < query.limit; i++) {
      if (i % chunk === 0 && free[i / chunk] === 0) {
        i += chunk - 1;
        continue;
      }
      const p = order[i]!;
      if (query.before !== undefined && this.slots.indexAt(p) >= query.before) break;
      if (day !== undefined && this.dayKeys[this.slots.dayIdAt(p)] !== day) continue;
      if (doctor !== undefined && this.doctorKeys[this.slots.doctorIdAt(p)] !== doctor) continue;
      if (isFree(p)) out.push(p);
    }
    return out;
  }

  private narrowest(day: string | undefined, doctor: string | undefined): OrderedList {
    const empty = { order: new Uint32Array(0), free: new Uint16Array(0) };
    if (day !== undefined && doctor !== undefined) return this.byPair.get(`${day}\n${doctor}`) ?? empty;
    const lists = [
      day === undefined ? this.all : (this.byDay.get(day) ?? empty),
      doctor === undefined ? this.all : (this.byDoctor.get(doctor) ?? empty),
    ];
    return lists[0]!.order.length <= lists[1]!.order.length ? lists[0]! : lists[1]!;
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

/** The list of these positions (already in index order), each position's rank noted in `rank`. */
function ordered(order: Uint32Array, rank: Uint32Array, isFree: (position: number) => boolean): OrderedList {
  const free = new Uint16Array(Math.ceil(order.length / chunk));
  for (let i = 0; i < order.length; i++) {
    const p = order[i]!;
    rank[p] = i;
    if (isFree(p)) free[Math.floor(i / chunk)]! += 1;
  }
  return { order, free };
}

function groupBy(
  order: Uint32Array,
  keyOf: (position: number) => string,
  rank: Uint32Array,
  isFree: (position: number) => boolean,
): Map<string, OrderedList> {
  const groups = new Map<string, number[]>();
  for (const p of order) {
    const k = keyOf(p);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(p);
  }
  return new Map([...groups].map(([k, g]) => [k, ordered(Uint32Array.from(g), rank, isFree)]));
}

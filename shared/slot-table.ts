// The schedule's slots, compact: one typed array per field, day/time/doctor names stored once and
// referred to by number. A million slots cost about 22 MB and no per-slot objects, so start-up and
// every full garbage collection stay cheap. `at(position)` gives a Slot object when one is needed.
import type { Slot } from "./datafiles.ts";
import { Names } from "./name-table.ts";

/** What reads slots by position: a SlotTable, or a plain array of Slots. */
export type SlotList = {
  readonly length: number;
  at(position: number): Slot | undefined;
  map<U>(fn: (slot: Slot, position: number) => U): U[];
  forEach(fn: (slot: Slot, position: number) => void): void;
};

/** How an index is found: indexes 1..n in order (most files), increasing, or any order. */
type Lookup = { kind: "dense" } | { kind: "increasing" } | { kind: "sorted-order"; order: Uint32Array };

export class SlotTable {
  private lookup: Lookup;

  constructor(
    readonly length: number,
    private readonly indexes: Float64Array,
    private readonly dayIds: Uint32Array,
    private readonly timeIds: Uint32Array,
    private readonly doctorIds: Uint32Array,
    private readonly ports: Uint16Array,
    readonly days: Names,
    readonly times: Names,
    readonly doctors: Names,
  ) {
    this.lookup = chooseLookup(indexes, length);
  }

  static fromSlots(slots: readonly Slot[]): SlotTable {
    const b = new SlotTableBuilder(slots.length);
    for (const s of slots) b.add(s.index, s.day, s.time, s.doctor, s.port);
    return b.finish();
  }

  indexAt(position: number): number {
    return this.indexes[position]!;
  }

  dayAt(position: number): string {
    return this.days.list[this.dayIds[position]!]!;
  }

  timeAt(position: number): string {
    return this.times.list[this.timeIds[position]!]!;
  }

  doctorAt(position: number): string {
    return this.doctors.list[this.doctorIds[position]!]!;
  }

  dayIdAt(position: number): number {
    return this.dayIds[position]!;
  }

  timeIdAt(position: number): number {
    return this.timeIds[position]!;
  }

  doctorIdAt(position: number): number {
    return this.doctorIds[position]!;
  }

  portAt(position: number): number {
    return this.ports[position]!;
  }

  /** A Slot object for one position (made on demand; the table holds none). */
  at(position: number): Slot {
    return {
      index: this.indexAt(position),
      day: this.dayAt(position),
      time: this.timeAt(position),
      doctor: this.doctorAt(position),
      port: this.portAt(position),
    };
  }

  /** Every slot as an object: for small schedules and tests only. */
  toArray(): Slot[] {
    return Array.from({ length: this.length }, (_, p) => this.at(p));
  }

  /** As Array.map, making each Slot object on the way (rare paths: a reconcile, the staff page). */
  map<U>(fn: (slot: Slot, position: number) => U): U[] {
    return Array.from({ length: this.length }, (_, p) => fn(this.at(p), p));
  }

  forEach(fn: (slot: Slot, position: number) => void): void {
    for (let p = 0; p < this.length; p++) fn(this.at(p), p);
  }

  /** Where a slot index is, or -1: O(1) for indexes 1..n, a binary search otherwise. */
  positionOf(index: number): number {
    const lookup = this.lookup;
    if (lookup.kind === "dense") return Number.isInteger(index) && index >= 1 && index <= this.length ? index - 1 : -1;
    if (lookup.kind === "increasing") {
      const i = lowerBound(this.length, (i) => this.indexes[i]! < index);
      return i < this.length && this.indexes[i] === index ? i : -1;
    }
    const order = lookup.order;
    const i = lowerBound(this.length, (i) => this.indexes[order[i]!]! < index);
    return i < this.length && this.indexes[order[i]!] === index ? order[i]! : -1;
  }

  /** Positions in index order (the file's order when it is already increasing). */
  indexOrder(): Uint32Array {
    if (this.lookup.kind === "sorted-order") return this.lookup.order;
    return Uint32Array.from({ length: this.length }, (_, p) => p);
  }
}

/** Appends slots one at a time into typed arrays that grow by doubling. */
export class SlotTableBuilder {
  private length = 0;
  private indexes: Float64Array;
  private dayIds: Uint32Array;
  private timeIds: Uint32Array;
  private doctorIds: Uint32Array;
  private ports: Uint16Array;
  readonly days = new Names();
  readonly times = new Names();
  readonly doctors = new Names();

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.indexes = new Float64Array(n);
    this.dayIds = new Uint32Array(n);
    this.timeIds = new Uint32Array(n);
    this.doctorIds = new Uint32Array(n);
    this.ports = new Uint16Array(n);
  }

  get count(): number {
    return this.length;
  }

  lastIndex(): number {
    return this.length === 0 ? 0 : this.indexes[this.length - 1]!;
  }

  indexAt(position: number): number {
    return this.indexes[position]!;
  }

  add(index: number, day: string, time: string, doctor: string, port: number): void {
    this.addIds(index, this.days.id(day), this.times.id(time), this.doctors.id(doctor), port);
  }

  /** Adds a slot whose names are already interned in this builder's `days`, `times` and `doctors`. */
  addIds(index: number, dayId: number, timeId: number, doctorId: number, port: number): void {
    if (this.length === this.indexes.length) this.grow();
    const p = this.length++;
    this.indexes[p] = index;
    this.dayIds[p] = dayId;
    this.timeIds[p] = timeId;
    this.doctorIds[p] = doctorId;
    this.ports[p] = port;
  }

  finish(): SlotTable {
    const n = this.length;
    // Views, not copies: the capacity came from the line count, so little is left unused.
    return new SlotTable(
      n,
      this.indexes.subarray(0, n),
      this.dayIds.subarray(0, n),
      this.timeIds.subarray(0, n),
      this.doctorIds.subarray(0, n),
      this.ports.subarray(0, n),
      this.days,
      this.times,
      this.doctors,
    );
  }

  private grow(): void {
    const n = this.indexes.length * 2;
    const bigger = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.indexes = bigger(this.indexes, (n) => new Float64Array(n));
    this.dayIds = bigger(this.dayIds, (n) => new Uint32Array(n));
    this.timeIds = bigger(this.timeIds, (n) => new Uint32Array(n));
    this.doctorIds = bigger(this.doctorIds, (n) => new Uint32Array(n));
    this.ports = bigger(this.ports, (n) => new Uint16Array(n));
  }
}

function chooseLookup(indexes: Float64Array, length: number): Lookup {
  let dense = true;
  for (let p = 0; p < length; p++) {
    if (indexes[p] !== p + 1) dense = false;
    if (p > 0 && indexes[p]! <= indexes[p - 1]!) {
      const order = Uint32Array.from({ length }, (_, i) => i).sort((a, b) => indexes[a]! - indexes[b]!);
      return { kind: "sorted-order", order };
    }
  }
  return dense ? { kind: "dense" } : { kind: "increasing" };
}

/** The first i in [0, n) for which `below(i)` is false (below is true, then false). */
function lowerBound(n: number, below: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

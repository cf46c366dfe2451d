// The staff page's model of the week, headless: doctors by day and time, each slot free or booked,
// counts kept up to date from committed changes only. What it sends is bounded: at most
// staff_page_cells_max cells and staff_page_slots_max slots listed one by one, whatever the schedule's size.
import type { SlotList } from "../../../shared/slot-table.ts";
import { staff_page_cells_max, staff_page_slots_max } from "../../../shared/limits.ts";
import type { SlotChange } from "../booking/changes.ts";
import type { NamesShown } from "./accounts.ts";

const week = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/**
 * A listed slot as sent: [index, cell, state]; state is 0 free, 1 booked, or the patient's name (staff only);
 * on a typed calendar's view (typed-view.ts) also 2: not free, a booked span meets it.
 */
export type SlotRow = [number, number, 0 | 1 | 2 | string];
/** A committed change as sent: [index, cell, state, booked in the cell, doctor, booked for the doctor]. */
export type ChangeRow = [number, number, 0 | 1 | string, number, number, number];
/** A cell as sent: [cell id, doctor, day, time (positions in the lists), slots, booked]. */
export type CellRow = [number, number, number, number, number, number];

export type Snapshot = {
  /** Signed in: names are shown (all of them, or only `namesFor`'s). */
  names: boolean;
  /** A doctor account's snapshot: the names shown are on this doctor's appointments only. */
  namesFor?: string;
  doctors: { name: string; slots: number; booked: number }[];
  days: string[];
  times: string[];
  cells: CellRow[];
  slots: SlotRow[];
  cellsTotal: number;
  slotsTotal: number;
  /** On a calendar: the clinic's zone and who is away (shown above the week). */
  note?: string;
};

/** Sorts "09am", "12pm", "01pm", "10:30am" by time of day; anything else after, by text. */
export function minutesOfDay(time: string): number {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*([ap]m)?$/i.exec(time);
  if (!m) return Number.MAX_SAFE_INTEGER;
  let hours = Number(m[1]) % (m[3] ? 12 : 24);
  if (m[3]?.toLowerCase() === "pm") hours += 12;
  return hours * 60 + Number(m[2] ?? 0);
}

function ordered(values: Iterable<string>, rank: (v: string) => number): string[] {
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export class Grid {
  readonly doctors: string[];
  readonly days: string[];
  readonly times: string[];
  private readonly cellOfPosition: Int32Array;
  private readonly cells: { doctor: number; day: number; time: number; slots: number; booked: number }[] = [];
  private readonly booked: Uint8Array;
  /** Names of the holders of listed slots (the first staff_page_slots_max); others are counted only. */
  private readonly holders: (string | undefined)[];
  private readonly doctorBooked: number[];
  private readonly doctorSlots: number[];
  /** Counts applied changes: a snapshot made at one version is the same until the next. */
  version = 0;
  /** Counts resets (the schedule replaced: rules, types, zone or a new day), never single changes. */
  resets = 0;

  /** `holderAt(position)`: who holds each slot now; read once, then the grid follows `apply`. */
  constructor(
    private readonly slots: SlotList,
    holderAt: (position: number) => string | undefined,
    private readonly positionOf: (index: number) => number | undefined,
  ) {
    this.doctors = ordered(
      slots.map((s) => s.doctor),
      () => 0,
    );
    this.days = ordered(
      slots.map((s) => s.day),
      (d) => {
        const i = week.indexOf(d);
        return i === -1 ? week.length : i;
      },
    );
    this.times = ordered(
      slots.map((s) => s.time),
      minutesOfDay,
    );
    const doctorIds = new Map(this.doctors.map((d, i) => [d, i]));
    const dayIds = new Map(this.days.map((d, i) => [d, i]));
    const timeIds = new Map(this.times.map((t, i) => [t, i]));
    const cellIds = new Map<string, number>();
    this.cellOfPosition = new Int32Array(slots.length);
    this.booked = new Uint8Array(slots.length);
    this.holders = new Array(Math.min(slots.length, staff_page_slots_max)).fill(undefined);
    this.doctorBooked = new Array(this.doctors.length).fill(0);
    this.doctorSlots = new Array(this.doctors.length).fill(0);
    slots.forEach((s, p) => {
      const key = `${s.doctor}\n${s.day}\n${s.time}`;
      let cell = cellIds.get(key);
      if (cell === undefined) {
        cell = this.cells.length;
        cellIds.set(key, cell);
        this.cells.push({
          doctor: doctorIds.get(s.doctor)!,
          day: dayIds.get(s.day)!,
          time: timeIds.get(s.time)!,
          slots: 0,
          booked: 0,
        });
      }
      this.cellOfPosition[p] = cell;
      this.cells[cell]!.slots += 1;
      this.doctorSlots[this.cells[cell]!.doctor]! += 1;
      this.set(p, holderAt(p));
    });
  }

  /** On a calendar: the zone and leave, sent with each snapshot. */
  note: string | undefined;

  /**
   * The schedule was replaced (a calendar's horizon moved on, or its rules changed): the grid starts
   * again from the new slots. Every field is rebuilt as the constructor builds it; the version moves on.
   */
  reset(slots: SlotList, holderAt: (position: number) => string | undefined): void {
    const [version, resets] = [this.version + 1, this.resets + 1];
    Object.assign(this, new Grid(slots, holderAt, this.positionOf), { version, resets, note: this.note });
  }

  /** Follows one committed change; returns the row to send, or undefined for an index not in the schedule. */
  apply(change: SlotChange): ChangeRow | undefined {
    const p = this.positionOf(change.index);
    if (p === undefined) return undefined;
    this.set(p, change.holder);
    this.version += 1;
    const cellId = this.cellOfPosition[p]!;
    const cell = this.cells[cellId]!;
    return [change.index, cellId, change.holder ?? 0, cell.booked, cell.doctor, this.doctorBooked[cell.doctor]!];
  }

  get bookedCount(): number {
    return this.doctorBooked.reduce((a, b) => a + b, 0);
  }

  /** What a page starts from; names only for signed-in staff (a doctor account: their own doctor's). */
  snapshot(names: NamesShown): Snapshot {
    const own = typeof names === "string" ? this.doctors.indexOf(names) : -1;
    const cellsShown = Math.min(this.cells.length, staff_page_cells_max);
    const cells: CellRow[] = [];
    for (let c = 0; c < cellsShown; c++) {
      const cell = this.cells[c]!;
      cells.push([c, cell.doctor, cell.day, cell.time, cell.slots, cell.booked]);
    }
    const slots: SlotRow[] = [];
    for (let p = 0; p < this.holders.length; p++) {
      const cell = this.cellOfPosition[p]!;
      if (cell >= cellsShown) continue;
      const named = names === true || this.cells[cell]!.doctor === own;
      slots.push([this.slots.at(p)!.index, cell, this.booked[p] ? (named ? this.holders[p]! : 1) : 0]);
    }
    return {
      names: names !== false,
      ...(typeof names === "string" ? { namesFor: names } : {}),
      doctors: this.doctors.map((name, i) => ({ name, slots: this.doctorSlots[i]!, booked: this.doctorBooked[i]! })),
      days: this.days,
      times: this.times,
      cells,
      slots,
      cellsTotal: this.cells.length,
      slotsTotal: this.slots.length,
      ...(this.note === undefined ? {} : { note: this.note }),
    };
  }

  private set(position: number, holder: string | undefined): void {
    const now = holder === undefined ? 0 : 1;
    if (position < this.holders.length) this.holders[position] = holder;
    const was = this.booked[position]!;
    if (was === now) return;
    this.booked[position] = now;
    const cell = this.cells[this.cellOfPosition[position]!]!;
    cell.booked += now - was;
    this.doctorBooked[cell.doctor]! += now - was;
  }
}

/** The changes as a reader who sees `names` sees them (a doctor account: names on its own doctor's rows only). */
export function changesFor(rows: readonly ChangeRow[], names: NamesShown, doctors: readonly string[]): ChangeRow[] {
  if (names === true) return rows as ChangeRow[];
  const own = typeof names === "string" ? doctors.indexOf(names) : -1;
  return rows.map((row) => (row[4] === own ? row : withoutName(row)));
}

/** A change as a page without names sees it. */
export function withoutName(row: ChangeRow): ChangeRow {
  return typeof row[2] === "string" ? [row[0], row[1], 1, row[3], row[4], row[5]] : row;
}

// The staff page's week on a calendar whose rules offer appointment types: each doctor's starts as a
// patient sees them for one type (`slots type=<name>`; none named: each rule's default, as `slots`
// and `available` without type=), and every booked appointment. A start a booked span (its length and
// buffers) meets is listed as not free (state 2), so a doctor's free count is what `slots` lists.
// Elsewhere (a classic schedule, a calendar without typed rules) the page's Grid is shown as it is.
import type { Slot } from "../../../shared/datafiles.ts";
import type { SlotList } from "../../../shared/slot-table.ts";
import type { Schedule } from "../booking/schedule.ts";
import { offeredSpan } from "../booking/calendar-slots.ts";
import { staffSlots } from "./calendar-view.ts";
import { Grid, type Snapshot } from "./grid.ts";
import { typeNumber } from "../session/type-requests.ts";
import type { TypedViews } from "./watchers.ts";
import type { NamesShown } from "./accounts.ts";

/** A typed snapshot: the Grid's, with the types to choose from, the one shown, and each doctor's not-free starts. */
export type TypedSnapshot = Snapshot & {
  types: string[];
  /** The type shown; "" for each rule's default. */
  type: string;
  doctors: { name: string; slots: number; booked: number; blocked: number }[];
};

/** The names of the types the calendar's rules offer, by name; none: not a typed calendar. */
export function offeredTypes(schedule: Schedule): string[] {
  const calendar = schedule.calendar;
  const offered = calendar?.typed?.offered ?? 0;
  return (calendar?.types ?? []).filter((_, i) => offered & (1 << i)).map((t) => t.name);
}

/**
 * The week for `typeName` ("" or unknown: each rule's default); undefined when the calendar offers no
 * types. Slot rows' states: 0 free, 1 booked (or the holder's name where `names` shows it), 2 not free.
 */
export function typedSnapshot(
  schedule: Schedule,
  names: NamesShown,
  typeName: string,
  note: string | undefined,
): TypedSnapshot | undefined {
  const calendar = schedule.calendar;
  const types = offeredTypes(schedule);
  if (!calendar?.typed || types.length === 0) return undefined;
  // A type no rule offers (yet) has no starts, as `slots type=` lists none.
  const number = typeName === "" ? -1 : calendar.types.findIndex((t) => t.name === typeName);
  const type = number < 0 ? undefined : number;
  const shown: number[] = [];
  const blocked = new Set<number>();
  for (let p = 0; p < schedule.slots.length; p++) {
    const held = schedule.holderAt(p) !== undefined;
    if (!held && offeredSpan(calendar, p, type) === undefined) continue;
    shown.push(p);
    if (!held && !schedule.offeredAs(p, type)) blocked.add(schedule.slots.indexAt(p));
  }
  const all = staffSlots(schedule);
  // A not-free start counts as taken in the Grid ("" holder), so its free counts are the offered starts.
  const grid = new Grid(
    subset(all, shown),
    (i) => schedule.holderAt(shown[i]!) ?? (blocked.has(schedule.slots.indexAt(shown[i]!)) ? "" : undefined),
    () => undefined,
  );
  grid.note = note;
  const snap = grid.snapshot(names);
  const blockedOf = new Map<string, number>();
  for (const p of shown) {
    if (blocked.has(schedule.slots.indexAt(p))) {
      const doctor = all.at(p)!.doctor;
      blockedOf.set(doctor, (blockedOf.get(doctor) ?? 0) + 1);
    }
  }
  return {
    ...snap,
    slots: snap.slots.map(([index, cell, state]) => [index, cell, blocked.has(index) ? 2 : state]),
    doctors: snap.doctors.map((d) => ({ ...d, blocked: blockedOf.get(d.name) ?? 0 })),
    types,
    type: type === undefined ? "" : typeName,
  };
}

/** The shown slots, each made once (a SlotList may be a plain array; the Grid reads each four times). */
function subset(all: SlotList, positions: number[]): Slot[] {
  return positions.map((p) => all.at(p)!);
}

/** The page's views of `schedule` (watchers.ts, /api/schedule): `note()` is the grid's note when asked. */
export function typedViews(schedule: Schedule, note: () => string | undefined): TypedViews {
  return {
    typed: () => schedule.calendar?.typed !== undefined,
    snapshot: (names, type) => typedSnapshot(schedule, names, type, note()),
    refusal: (type) => {
      const n = type === "" ? undefined : typeNumber(schedule, type);
      return typeof n === "string" ? n : undefined;
    },
  };
}

// Dated slots of a calendar whose rules offer appointment types: each type's grid (the rule's window
// cut into that type's length, as generate.ts cuts a plain rule) and their union, each point marked
// with the types that may start there and whether it is on the rule's default type's grid. Plain
// rules and openings give their slots as before; without typed rules this is generateSlots. Pure.
import { generateSlots } from "./generate.ts";
import { doctorOrder } from "./plan.ts";
import type { AppointmentType, DatedSlot, Exception, LocalDate, Rule } from "./types.ts";

/** Every slot from `fromDate` to `toDate` (inclusive), sorted by start, then doctor; `types` by name. */
export function generateCalendarSlots(
  rules: readonly Rule[],
  exceptions: readonly Exception[],
  types: readonly AppointmentType[],
  zone: string,
  fromDate: LocalDate,
  toDate: LocalDate,
): DatedSlot[] {
  const typedRules = rules.filter((r) => (r.types?.length ?? 0) > 0);
  if (typedRules.length === 0) return generateSlots(rules, exceptions, zone, fromDate, toDate);
  const plain = generateSlots(
    rules.filter((r) => !r.types?.length),
    exceptions,
    zone,
    fromDate,
    toDate,
  );
  const away = exceptions.filter((e) => e.kind === "away");
  const points = new Map<string, DatedSlot & { typed: { mask: number; defaultType: number } }>();
  types.forEach((type, i) => {
    for (const asDefault of [true, false]) {
      const offering = typedRules
        .filter((r) => (asDefault ? r.types![0] === type.name : r.types!.indexOf(type.name) > 0))
        .map((r) => ({ ...r, minutes: type.minutes }));
      if (offering.length === 0) continue;
      for (const s of generateSlots(offering, away, zone, fromDate, toDate)) {
        const key = `${s.doctor} ${s.startMs}`;
        let point = points.get(key);
        if (point === undefined) {
          point = { doctor: s.doctor, startMs: s.startMs, minutes: type.minutes, typed: { mask: 0, defaultType: -1 } };
          points.set(key, point);
        }
        point.typed.mask |= 1 << i;
        if (asDefault) [point.typed.defaultType, point.minutes] = [i, type.minutes];
      }
    }
  });
  // A plain slot at the same point (an opening) keeps its place: one point, one entry.
  for (const s of plain) points.delete(`${s.doctor} ${s.startMs}`);
  return [...plain, ...points.values()].sort((a, b) => a.startMs - b.startMs || doctorOrder(a.doctor, b.doctor));
}

/** Offered when a request names no type: a plain slot, or a point on its rule's default grid. */
export function offeredByDefault(slot: DatedSlot): boolean {
  return slot.typed === undefined || slot.typed.defaultType >= 0;
}

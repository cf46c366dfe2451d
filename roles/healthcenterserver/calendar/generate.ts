// Dated slots from availability rules: every slot of the rules on each local date, minus the days
// or hours a doctor is away, plus one-off openings. Pure: the same rules, zone and dates always give
// the same slots, and a date's slots depend on that date alone, so a range can be generated in
// pieces (the server's rolling horizon adds a day at a time).
//
// Slot k of a window starts at the wall-clock time start + k * minutes and lasts `minutes` real
// minutes. The daylight-saving policy (docs/CALENDAR.md): a start time that does not exist that day
// gives no slot; a time that happens twice gives one slot, at its first occurrence; a slot that
// would run past the window's end or into the next slot (only possible across a spring-forward
// gap) is not offered. A window that is not a whole number of slots offers only the whole ones.
import { calendar_generate_days_max } from "../../../shared/limits.ts";
import { boundOf, type DayClock, dayClock, epochDayOf, instantOf, isPlainDay, minute_ms } from "./day-clock.ts";
import { compileExceptions, compileRules, type DayPlan, planDoctor } from "./plan.ts";
import type { DatedSlot, Exception, LocalDate, Rule } from "./types.ts";

/**
 * Every slot from `fromDate` to `toDate` (local dates in `zone`, inclusive), sorted by start, then
 * by doctor (doctorOrder). Rules and exceptions are taken as validated (validate.ts); overlapping
 * ones still never give one doctor two overlapping slots: the rule's slot wins over an opening's.
 */
export function generateSlots(
  rules: readonly Rule[],
  exceptions: readonly Exception[],
  zone: string,
  fromDate: LocalDate,
  toDate: LocalDate,
): DatedSlot[] {
  const firstDay = epochDayOf(fromDate);
  const lastDay = epochDayOf(toDate);
  if (!(lastDay - firstDay < calendar_generate_days_max))
    throw new Error(`generateSlots: ${fromDate} to ${toDate} is more than ${calendar_generate_days_max} days`);
  const doctors = compileRules(rules, compileExceptions(exceptions));
  const out: DatedSlot[] = [];
  for (let epochDay = firstDay; epochDay <= lastDay; epochDay++) {
    const clock = dayClock(zone, epochDay);
    const dayStart = out.length;
    for (const doctor of doctors) {
      const plan = planDoctor(doctor, clock);
      if (plan !== null) emitDay(out, doctor.name, plan, clock);
    }
    sortTail(out, dayStart);
  }
  return out;
}

/** Doctors were emitted in doctorOrder, so a stable sort by start alone leaves equal starts in doctor order. */
function sortTail(out: DatedSlot[], from: number): void {
  if (out.length - from < 2) return;
  const tail = out.splice(from).sort((a, b) => a.startMs - b.startMs);
  for (const slot of tail) out.push(slot);
}

/** One doctor's slots on one day: the rules' windows, less away ranges, plus openings that fit. */
function emitDay(out: DatedSlot[], doctor: string, plan: DayPlan, clock: DayClock): void {
  const starts: number[] = [];
  const lengths: number[] = [];
  for (const w of plan.windows) cutWindow(clock, w.startMin, w.endMin, w.minutes, starts, lengths);
  if (plan.away.length > 0) removeAway(clock, plan.away, starts, lengths);
  if (plan.openings.length > 0) addOpenings(clock, plan.openings, starts, lengths);
  for (let i = 0; i < starts.length; i++) out.push({ doctor, startMs: starts[i]!, minutes: lengths[i]! });
}

/** Appends a window's slots, in time order, never overlapping one already there. */
function cutWindow(
  clock: DayClock,
  startMin: number,
  endMin: number,
  minutes: number,
  starts: number[],
  lengths: number[],
): void {
  const lengthMs = minutes * minute_ms;
  if (isPlainDay(clock)) {
    const base = instantOf(clock, startMin);
    const notBefore = starts.length === 0 ? Number.NEGATIVE_INFINITY : starts.at(-1)! + lengths.at(-1)! * minute_ms;
    for (let m = startMin; m + minutes <= endMin; m += minutes) {
      const t = base + (m - startMin) * minute_ms;
      if (t < notBefore) continue;
      starts.push(t);
      lengths.push(minutes);
    }
    return;
  }
  const endMs = boundOf(clock, endMin);
  const candidates: number[] = [];
  for (let m = startMin; m + minutes <= endMin; m += minutes) {
    const t = instantOf(clock, m);
    if (!Number.isNaN(t)) candidates.push(t);
  }
  for (let i = 0; i < candidates.length; i++) {
    const t = candidates[i]!;
    const next = i + 1 < candidates.length ? candidates[i + 1]! : endMs;
    const last = starts.length === 0 ? Number.NEGATIVE_INFINITY : starts.at(-1)! + lengths.at(-1)! * minute_ms;
    if (t + lengthMs > next || t + lengthMs > endMs || t < last) continue;
    starts.push(t);
    lengths.push(minutes);
  }
}

function removeAway(
  clock: DayClock,
  away: readonly { fromMin: number; toMin: number }[],
  starts: number[],
  lengths: number[],
): void {
  const ranges = away.map((a) => [boundOf(clock, a.fromMin), boundOf(clock, a.toMin)] as const);
  let kept = 0;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = s + lengths[i]! * minute_ms;
    if (ranges.some(([from, to]) => s < to && e > from)) continue;
    starts[kept] = s;
    lengths[kept] = lengths[i]!;
    kept++;
  }
  starts.length = kept;
  lengths.length = kept;
}

/** An opening's slots join the day's where they overlap none of them (a rule's slot wins). */
function addOpenings(
  clock: DayClock,
  openings: readonly { startMin: number; endMin: number; minutes: number }[],
  starts: number[],
  lengths: number[],
): void {
  const extraStarts: number[] = [];
  const extraLengths: number[] = [];
  for (const o of openings) cutWindow(clock, o.startMin, o.endMin, o.minutes, extraStarts, extraLengths);
  const merged: [number, number][] = starts.map((s, i) => [s, lengths[i]!]);
  for (let i = 0; i < extraStarts.length; i++) {
    const s = extraStarts[i]!;
    const e = s + extraLengths[i]! * minute_ms;
    if (merged.some(([ms, len]) => s < ms + len * minute_ms && e > ms)) continue;
    merged.push([s, extraLengths[i]!]);
  }
  merged.sort((a, b) => a[0] - b[0]);
  starts.length = 0;
  lengths.length = 0;
  for (const [s, len] of merged) {
    starts.push(s);
    lengths.push(len);
  }
}

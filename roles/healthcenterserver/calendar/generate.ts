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
import { boundOf, type DayClock, dayClock, day_ms, epochDayOf, instantOf, isPlainDay, minute_ms } from "./day-clock.ts";
import { compileExceptions, compileRules, type DayPlan, planDoctor, type Window } from "./plan.ts";
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
  const day: DatedSlot[] = [];
  for (let epochDay = firstDay; epochDay <= lastDay; epochDay++) {
    const clock = dayClock(zone, epochDay);
    day.length = 0;
    for (const doctor of doctors) {
      const plan = planDoctor(doctor, clock);
      if (plan !== null) emitDay(day, doctor.name, plan, clock);
    }
    appendInOrder(out, day, epochDay);
  }
  return out;
}

/** Minutes a day's slot starts may spread over, from 16 hours before its 00:00 UTC reading (the widest offset). */
const day_buckets = (24 + 2 * 16) * 60;
const bucketCounts = new Int32Array(day_buckets + 1);
let byRank = new Int32Array(1024);

/**
 * Appends a day's slots sorted by start. Doctors were emitted in doctorOrder, so a stable sort by
 * start alone leaves equal starts in doctor order: a counting sort on the start minute does that in
 * one pass (a day's starts are whole minutes apart in one zone; anything else falls back to sort).
 */
function appendInOrder(out: DatedSlot[], day: DatedSlot[], epochDay: number): void {
  const baseMs = epochDay * day_ms - 16 * 3_600_000;
  bucketCounts.fill(0);
  for (const slot of day) {
    const b = (slot.startMs - baseMs) / minute_ms;
    if (!Number.isInteger(b) || b < 0 || b >= day_buckets) {
      for (const s of day.slice().sort((x, y) => x.startMs - y.startMs)) out.push(s);
      return;
    }
    bucketCounts[b + 1]!++;
  }
  for (let b = 1; b <= day_buckets; b++) bucketCounts[b]! += bucketCounts[b - 1]!;
  if (byRank.length < day.length) byRank = new Int32Array(day.length * 2);
  for (let i = 0; i < day.length; i++) byRank[bucketCounts[(day[i]!.startMs - baseMs) / minute_ms]!++] = i;
  for (let r = 0; r < day.length; r++) out.push(day[byRank[r]!]!);
}

/** One doctor's slots on one day: the rules' windows, less away ranges, plus openings that fit. */
function emitDay(day: DatedSlot[], doctor: string, plan: DayPlan, clock: DayClock): void {
  if (plan.away.length === 0 && plan.openings.length === 0) {
    const first = day.length;
    for (const w of plan.windows) cutWindow(clock, doctor, w, day, first);
    return;
  }
  let mine: DatedSlot[] = [];
  for (const w of plan.windows) cutWindow(clock, doctor, w, mine, 0);
  if (plan.away.length > 0) mine = removeAway(clock, plan.away, mine);
  if (plan.openings.length > 0) mine = addOpenings(clock, doctor, plan.openings, mine);
  for (const slot of mine) day.push(slot);
}

const endOf = (slot: DatedSlot) => slot.startMs + slot.minutes * minute_ms;

/** Appends a window's slots to list (the doctor's begin at `first`), in time order, none overlapping one there. */
function cutWindow(clock: DayClock, doctor: string, w: Window, list: DatedSlot[], first: number): void {
  const { startMin, endMin, minutes } = w;
  const lengthMs = minutes * minute_ms;
  const notBefore = list.length > first ? endOf(list[list.length - 1]!) : Number.NEGATIVE_INFINITY;
  if (isPlainDay(clock)) {
    const base = instantOf(clock, startMin);
    for (let m = startMin; m + minutes <= endMin; m += minutes) {
      const startMs = base + (m - startMin) * minute_ms;
      if (startMs >= notBefore) list.push({ doctor, startMs, minutes });
    }
    return;
  }
  const endMs = boundOf(clock, endMin);
  const starts: number[] = [];
  for (let m = startMin; m + minutes <= endMin; m += minutes) {
    const t = instantOf(clock, m);
    if (!Number.isNaN(t)) starts.push(t);
  }
  let last = notBefore;
  for (let i = 0; i < starts.length; i++) {
    const t = starts[i]!;
    const next = i + 1 < starts.length ? starts[i + 1]! : endMs;
    if (t + lengthMs > next || t + lengthMs > endMs || t < last) continue;
    list.push({ doctor, startMs: t, minutes });
    last = t + lengthMs;
  }
}

function removeAway(
  clock: DayClock,
  away: readonly { fromMin: number; toMin: number }[],
  slots: DatedSlot[],
): DatedSlot[] {
  const ranges = away.map((a) => [boundOf(clock, a.fromMin), boundOf(clock, a.toMin)] as const);
  return slots.filter((s) => !ranges.some(([from, to]) => s.startMs < to && endOf(s) > from));
}

/** An opening's slots join the day's where they overlap none of them (a rule's slot wins). */
function addOpenings(clock: DayClock, doctor: string, openings: readonly Window[], slots: DatedSlot[]): DatedSlot[] {
  const extra: DatedSlot[] = [];
  for (const o of openings.toSorted((a, b) => a.startMin - b.startMin)) cutWindow(clock, doctor, o, extra, 0);
  const merged = slots.slice();
  for (const e of extra) if (!merged.some((s) => e.startMs < endOf(s) && endOf(e) > s.startMs)) merged.push(e);
  return merged.sort((a, b) => a.startMs - b.startMs);
}

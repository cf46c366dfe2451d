// Which windows, away ranges and openings apply to one doctor on one local date: the rules and
// exceptions compiled once into numbers (epoch days, minutes of the day), then asked per day.
import { type CivilDay, type DayClock, epochDayOf } from "./day-clock.ts";
import type { Exception, LocalTime, Rule } from "./types.ts";

export type Window = { startMin: number; endMin: number; minutes: number };
export type DayPlan = {
  windows: Window[];
  away: { fromMin: number; toMin: number }[];
  openings: Window[];
};

type CompiledRule = Window & {
  weekdayMask: number;
  fromDay: number;
  untilDay: number;
  everyWeeks: number;
  /** The Monday of validFrom's week, as an epoch day: every-N-weeks counts from it. */
  anchorMonday: number;
  /** Bit n (1..5) set: the nth such weekday of the month; bit 6: the last. 0: every one. */
  nthMask: number;
};
type CompiledException = {
  kind: "away" | "open";
  fromDay: number;
  toDay: number;
  fromMin: number | null;
  toMin: number | null;
  minutes: number;
};
export type CompiledDoctor = { name: string; rules: CompiledRule[]; exceptions: CompiledException[] };

const last_bit = 1 << 6;

/** "HH:MM" (or "24:00") as minutes of the day. */
export function minuteOfDay(time: LocalTime): number {
  return +time.slice(0, 2) * 60 + +time.slice(3, 5);
}

/** Doctors in natural order: doc2 before doc10, then by code unit (the order slots of one instant are listed in). */
export function doctorOrder(a: string, b: string): number {
  return naturalCollator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
const naturalCollator = new Intl.Collator("en", { numeric: true, sensitivity: "variant" });

export function compileExceptions(exceptions: readonly Exception[]): Map<string, CompiledException[]> {
  const byDoctor = new Map<string, CompiledException[]>();
  for (const e of exceptions) {
    const compiled: CompiledException = {
      kind: e.kind,
      fromDay: epochDayOf(e.fromDate),
      toDay: epochDayOf(e.toDate),
      fromMin: e.fromTime === null ? null : minuteOfDay(e.fromTime),
      toMin: e.toTime === null ? null : minuteOfDay(e.toTime),
      minutes: e.minutes ?? 0,
    };
    const list = byDoctor.get(e.doctor) ?? [];
    list.push(compiled);
    byDoctor.set(e.doctor, list);
  }
  return byDoctor;
}

/** The doctors with rules or exceptions, in doctorOrder, each's rules by start time. */
export function compileRules(rules: readonly Rule[], exceptions: Map<string, CompiledException[]>): CompiledDoctor[] {
  const byDoctor = new Map<string, CompiledRule[]>();
  for (const doctor of exceptions.keys()) byDoctor.set(doctor, []);
  for (const r of rules) {
    const list = byDoctor.get(r.doctor) ?? [];
    list.push(compileRule(r));
    byDoctor.set(r.doctor, list);
  }
  return [...byDoctor.keys()].sort(doctorOrder).map((name) => ({
    name,
    rules: byDoctor.get(name)!.sort((a, b) => a.startMin - b.startMin),
    exceptions: exceptions.get(name) ?? [],
  }));
}

export function compileRule(r: Rule): CompiledRule {
  const fromDay = r.validFrom === null ? Number.NEGATIVE_INFINITY : epochDayOf(r.validFrom);
  // 1970-01-05 was a Monday; a rule with no start date counts its weeks from there.
  const anchor = Number.isFinite(fromDay) ? fromDay : 4;
  let nthMask = 0;
  for (const n of r.nthOfMonth) nthMask |= n === -1 ? last_bit : 1 << n;
  return {
    startMin: minuteOfDay(r.start),
    endMin: minuteOfDay(r.end),
    minutes: r.minutes,
    weekdayMask: r.weekdays.reduce((mask, d) => mask | (1 << d), 0),
    fromDay,
    untilDay: r.validUntil === null ? Number.POSITIVE_INFINITY : epochDayOf(r.validUntil),
    everyWeeks: r.everyWeeks,
    anchorMonday: anchor - ((((anchor + 3) % 7) + 7) % 7),
    nthMask,
  };
}

/** Does the rule give slots on this date? */
export function ruleApplies(
  rule: Pick<CompiledRule, "weekdayMask" | "fromDay" | "untilDay" | "everyWeeks" | "anchorMonday" | "nthMask">,
  clock: Pick<CivilDay, "epochDay" | "weekday" | "day" | "daysInMonth">,
): boolean {
  if ((rule.weekdayMask & (1 << clock.weekday)) === 0) return false;
  if (clock.epochDay < rule.fromDay || clock.epochDay > rule.untilDay) return false;
  if (rule.everyWeeks > 1) {
    const weeks = Math.floor((clock.epochDay - rule.anchorMonday) / 7);
    if (((weeks % rule.everyWeeks) + rule.everyWeeks) % rule.everyWeeks !== 0) return false;
  }
  if (rule.nthMask !== 0) {
    const nth = Math.ceil(clock.day / 7);
    const isLast = clock.day + 7 > clock.daysInMonth;
    if ((rule.nthMask & (1 << nth)) === 0 && !(isLast && (rule.nthMask & last_bit) !== 0)) return false;
  }
  return true;
}

/** The doctor's day, or null when nothing applies (most doctors on most days need no allocation). */
export function planDoctor(doctor: CompiledDoctor, clock: DayClock): DayPlan | null {
  let plan: DayPlan | null = null;
  for (const rule of doctor.rules) {
    if (!ruleApplies(rule, clock)) continue;
    plan ??= { windows: [], away: [], openings: [] };
    plan.windows.push(rule);
  }
  for (const e of doctor.exceptions) {
    if (clock.epochDay < e.fromDay || clock.epochDay > e.toDay) continue;
    if (e.kind === "open") {
      if (e.fromMin === null || e.toMin === null || e.minutes <= 0) continue;
      plan ??= { windows: [], away: [], openings: [] };
      plan.openings.push({ startMin: e.fromMin, endMin: e.toMin, minutes: e.minutes });
    } else if (plan !== null) {
      if (e.fromMin === null || e.toMin === null) plan.windows = [];
      else plan.away.push({ fromMin: e.fromMin, toMin: e.toMin });
    }
  }
  return plan;
}

// The calendar's values as people type them (the CLI's flags, the wire's fields), each parsed or
// refused with a one-line UsageError that names the value.
import { UsageError } from "../../../shared/errors.ts";
import {
  appointment_minutes_max,
  appointment_minutes_min,
  every_weeks_max,
  horizon_weeks_max,
  horizon_weeks_min,
} from "../../../shared/limits.ts";
import { closest } from "../../../shared/suggest.ts";
import type { LocalDate, LocalTime } from "./types.ts";

const weekday_names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const full_weekday_names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

function refuse(message: string): never {
  throw new UsageError(message, { hint: false });
}

/** "mon" | "Monday" -> 1 (ISO, Monday first); a typo is refused with the nearest day. */
export function parseWeekday(word: string): number {
  const w = word.trim().toLowerCase();
  const short = weekday_names.indexOf(w as (typeof weekday_names)[number]);
  if (short >= 0) return short + 1;
  const full = full_weekday_names.indexOf(w);
  if (full >= 0) return full + 1;
  const near = closest(w, [...weekday_names, ...full_weekday_names]);
  return refuse(`bad weekday "${word}" (mon to sun)${near === undefined ? "" : `; did you mean ${near}?`}`);
}

/** "mon,wed" | "mon-fri" | "fri-mon" (wraps: fri,sat,sun,mon) | "monday" -> ISO weekdays, sorted, 1 = Monday. */
export function parseWeekdays(text: string): number[] {
  const days = new Set<number>();
  if (text.trim() === "") refuse(`no weekdays given (say mon,wed or mon-fri)`);
  for (const part of text.split(",")) {
    const ends = part.split("-");
    if (ends.length > 2 || ends.some((e) => e.trim() === "")) refuse(`bad weekdays "${text}" (say mon,wed or mon-fri)`);
    const from = parseWeekday(ends[0]!);
    const to = ends.length === 2 ? parseWeekday(ends[1]!) : from;
    for (let d = from, i = 0; i < 7; d = (d % 7) + 1, i++) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

/** ISO weekdays as the shortest text parseWeekdays reads back: "mon-fri", "mon,wed,fri", "sat-sun". */
export function formatWeekdays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const name = (d: number) => weekday_names[d - 1]!;
    if (j - i >= 2) parts.push(`${name(sorted[i]!)}-${name(sorted[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(name(sorted[k]!));
    i = j + 1;
  }
  return parts.join(",");
}

/** "9:00" | "09:00" -> "09:00"; "24:00" only where `end` (the end of the day). */
export function parseTime(text: string, what = "time", options: { end?: boolean } = {}): LocalTime {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hours = m ? +m[1]! : -1;
  const minutes = m ? +m[2]! : -1;
  const ok = hours >= 0 && hours <= 23 && minutes <= 59 && minutes >= 0;
  const endOfDay = options.end === true && hours === 24 && minutes === 0;
  if (!ok && !endOfDay) refuse(`bad ${what} "${text}" (HH:MM, 00:00 to ${options.end === true ? "24:00" : "23:59"})`);
  return `${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
}

/** "09:00-17:00" (an end may be 24:00) -> its two times; the end after the start. */
export function parseTimeRange(text: string, what = "hours"): { start: LocalTime; end: LocalTime } {
  const ends = text.split("-");
  if (ends.length !== 2) refuse(`bad ${what} "${text}" (HH:MM-HH:MM, as 09:00-17:00)`);
  const start = parseTime(ends[0]!, `start of ${what}`);
  const end = parseTime(ends[1]!, `end of ${what}`, { end: true });
  if (end <= start) refuse(`bad ${what} "${text}": the end is not after the start`);
  return { start, end };
}

/** "YYYY-MM-DD" that exists (2026-02-30 is refused), years 1900 to 2999. */
export function parseDate(text: string, what = "date"): LocalDate {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) refuse(`bad ${what} "${text}" (YYYY-MM-DD)`);
  const year = +t.slice(0, 4);
  if (year < 1900 || year > 2999) refuse(`bad ${what} "${text}" (years 1900 to 2999)`);
  try {
    Temporal.PlainDate.from(t, { overflow: "reject" });
  } catch {
    refuse(`bad ${what} "${text}": there is no such day`);
  }
  return t;
}

/** A whole number in [min, max], named in the error: `bad <what> "x" (min to max unit)`. */
export function parseBoundedInt(text: string, what: string, min: number, max: number, unit = ""): number {
  const t = text.trim();
  const n = /^[0-9]{1,9}$/.test(t) ? Number(t) : Number.NaN;
  const range = `${min} to ${max}${unit === "" ? "" : ` ${unit}`}`;
  if (Number.isNaN(n)) refuse(`bad ${what} "${text}" (a whole number, ${range})`);
  if (n < min || n > max) refuse(`${what} of ${n}${unit === "" ? "" : ` ${unit}`} is out of range (${range})`);
  return n;
}

/** `--horizon-weeks`: 1 to 104. */
export function parseHorizonWeeks(text: string): number {
  return parseBoundedInt(text, "horizon", horizon_weeks_min, horizon_weeks_max, "weeks");
}

/** An appointment's length: "15" or "15m", in minutes. */
export function parseAppointmentMinutes(text: string): number {
  const t = text.trim().replace(/\s*(m|min|mins|minutes)$/i, "");
  return parseBoundedInt(t, "appointment length", appointment_minutes_min, appointment_minutes_max, "minutes");
}

/** "every N weeks": 1 to 52. */
export function parseEveryWeeks(text: string): number {
  return parseBoundedInt(text, "every-weeks", 1, every_weeks_max);
}

/** Which of the month's weekdays: "1,3" | "1st,3rd" | "last" | "-1" -> [1, 3] / [-1]. */
export function parseNthOfMonth(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const p = part.trim().toLowerCase();
    const n = p === "last" || p === "-1" ? -1 : /^[1-5](st|nd|rd|th)?$/.test(p) ? +p[0]! : Number.NaN;
    if (Number.isNaN(n)) refuse(`bad week of the month "${part.trim()}" (1 to 5, or last; say 1,3 or last)`);
    out.add(n);
  }
  return [...out].sort((a, b) => (a === -1 ? 1 : b === -1 ? -1 : a - b));
}

/** Local dates from..to inclusive, in order, at most maxDays of them. */
export function parseDateRange(from: string, to: string, maxDays: number): { from: LocalDate; to: LocalDate } {
  const a = parseDate(from, "from date");
  const b = parseDate(to, "to date");
  if (b < a) refuse(`the to date ${b} is before the from date ${a}`);
  const days = Temporal.PlainDate.from(a).until(b, { largestUnit: "day" }).days + 1;
  if (days > maxDays) refuse(`${a} to ${b} is ${days} days; at most ${maxDays}`);
  return { from: a, to: b };
}

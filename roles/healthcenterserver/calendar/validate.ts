// Whether a rule or an exception can be stored: each check a one-line UsageError naming the value,
// so the CLI exits 2 and the wire answers `error usage: ...`. The values themselves are parsed in
// parse.ts; these checks look at a whole rule, and at a rule beside the doctor's others.
import { UsageError } from "../../../shared/errors.ts";
import {
  appointment_minutes_max,
  appointment_minutes_min,
  every_weeks_max,
  exception_days_max,
  exception_reason_chars_max,
  rule_overlap_check_years,
} from "../../../shared/limits.ts";
import { civilDay, epochDayOf, timeOfMinute } from "./day-clock.ts";
import { formatWeekdays, parseDate, parseTime } from "./parse.ts";
import { compileRule, minuteOfDay, ruleApplies } from "./plan.ts";
import type { Exception, LocalDate, Rule } from "./types.ts";

function refuse(message: string): never {
  throw new UsageError(message, { hint: false });
}

/** "rule 3 (doc1 mon-fri 09:00-12:00, 15 min, every 2 weeks, 1st,3rd of the month, from 2026-01-05)" */
export function describeRule(rule: Rule): string {
  return `rule ${rule.id} (${ruleText(rule)})`;
}

/** "doc1 mon-fri 09:00-12:00, 15 min, every 2 weeks, from 2026-01-05": a rule without its id. */
export function ruleText(rule: Rule): string {
  const length = rule.types?.length ? `types ${rule.types.join(",")}` : `${rule.minutes} min`;
  const parts = [`${rule.doctor} ${formatWeekdays(rule.weekdays)} ${rule.start}-${rule.end}, ${length}`];
  if (rule.everyWeeks > 1) parts.push(`every ${rule.everyWeeks} weeks`);
  if (rule.nthOfMonth.length > 0)
    parts.push(`${rule.nthOfMonth.map((n) => (n === -1 ? "last" : ordinal(n))).join(",")} of the month`);
  if (rule.validFrom !== null) parts.push(`from ${rule.validFrom}`);
  if (rule.validUntil !== null) parts.push(`until ${rule.validUntil}`);
  return parts.join(", ");
}

/** "away 3 (doc1 2026-12-21 to 2027-01-08, all day: leave)", "open 4 (doc3 2026-12-12, 10:00-12:00, 30 min)" */
export function describeException(e: Exception): string {
  return `${e.kind} ${e.id} (${exceptionText(e)})`;
}

/** "doc1 2026-12-21 to 2027-01-08, all day: leave": an exception without its kind and id. */
export function exceptionText(e: Exception): string {
  const dates = e.fromDate === e.toDate ? e.fromDate : `${e.fromDate} to ${e.toDate}`;
  const hours = e.fromTime === null ? "all day" : `${e.fromTime}-${e.toTime}`;
  const length = e.kind === "open" && e.minutes !== null ? `, ${e.minutes} min` : "";
  return `${e.doctor} ${dates}, ${hours}${length}${e.reason === "" ? "" : `: ${e.reason}`}`;
}

function ordinal(n: number): string {
  return `${n}${["", "st", "nd", "rd"][n] ?? "th"}`;
}

function strictDate(date: string, what: string): void {
  if (parseDate(date, what) !== date) refuse(`bad ${what} "${date}" (YYYY-MM-DD)`);
}

/**
 * A window of whole appointments: refused otherwise, naming the ends that would fit. A rule offering
 * several types (`whole` false) is cut by each type's length and offers the whole ones of each.
 */
export function checkWindow(start: string, end: string, minutes: number, what: string, whole = true): void {
  // Stored times are exactly HH:MM (parse.ts normalises what people type): the generator reads them by position.
  if (parseTime(start, `${what} start`) !== start || parseTime(end, `${what} end`, { end: true }) !== end)
    refuse(`${what}'s times "${start}-${end}" are not HH:MM-HH:MM`);
  if (!Number.isInteger(minutes) || minutes < appointment_minutes_min || minutes > appointment_minutes_max)
    refuse(
      `appointment length ${minutes} is out of range ` +
        `(${appointment_minutes_min} to ${appointment_minutes_max} minutes)`,
    );
  const from = minuteOfDay(start);
  const to = minuteOfDay(end);
  if (to <= from) refuse(`${what} ends at ${end}, not after its start ${start}`);
  const remainder = whole ? (to - from) % minutes : 0;
  if (remainder !== 0) {
    const shorter = to - remainder;
    const longer = shorter + minutes <= 24 * 60 ? ` or ${timeOfMinute(shorter + minutes)}` : "";
    const options =
      shorter > from ? `end at ${timeOfMinute(shorter)}${longer}` : `end at ${timeOfMinute(from + minutes)}`;
    refuse(`${start}-${end} is ${to - from} minutes, not a whole number of ${minutes}-minute appointments; ${options}`);
  }
}

export function validateRule(rule: Rule): void {
  if (rule.doctor.trim() === "") refuse("a rule needs a doctor");
  if (rule.weekdays.length === 0 || rule.weekdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
    refuse(`bad weekdays ${JSON.stringify(rule.weekdays)} (1 = Monday to 7 = Sunday)`);
  checkWindow(rule.start, rule.end, rule.minutes, "the rule", !rule.types?.length);
  if (!Number.isInteger(rule.everyWeeks) || rule.everyWeeks < 1 || rule.everyWeeks > every_weeks_max)
    refuse(`every ${rule.everyWeeks} weeks is out of range (1 to ${every_weeks_max})`);
  for (const n of rule.nthOfMonth)
    if (!(n === -1 || (Number.isInteger(n) && n >= 1 && n <= 5)))
      refuse(`week of the month ${n} is out of range (1 to 5, or -1 for the last)`);
  if (rule.everyWeeks > 1 && rule.nthOfMonth.length > 0)
    refuse(`a rule is either every ${rule.everyWeeks} weeks or the nth weekday of the month, not both`);
  if (rule.everyWeeks > 1 && rule.validFrom === null)
    refuse(`every ${rule.everyWeeks} weeks needs a from date (its weeks are counted from that date's week)`);
  if (rule.validFrom !== null) strictDate(rule.validFrom, "from date");
  if (rule.validUntil !== null) strictDate(rule.validUntil, "until date");
  if (rule.validFrom !== null && rule.validUntil !== null && rule.validUntil < rule.validFrom)
    refuse(`the until date ${rule.validUntil} is before the from date ${rule.validFrom}`);
}

export function validateException(e: Exception): void {
  if (e.doctor.trim() === "") refuse(`an ${e.kind === "away" ? "absence" : "opening"} needs a doctor`);
  strictDate(e.fromDate, "from date");
  strictDate(e.toDate, "to date");
  if (e.toDate < e.fromDate) refuse(`the to date ${e.toDate} is before the from date ${e.fromDate}`);
  const days = epochDayOf(e.toDate) - epochDayOf(e.fromDate) + 1;
  if (days > exception_days_max) refuse(`${e.fromDate} to ${e.toDate} is ${days} days; at most ${exception_days_max}`);
  if ((e.fromTime === null) !== (e.toTime === null)) refuse("give both a from time and a to time, or neither");
  if (e.kind === "open") {
    if (e.fromTime === null || e.toTime === null) refuse("an opening needs its hours (a from time and a to time)");
    checkWindow(e.fromTime, e.toTime, e.minutes ?? Number.NaN, "the opening");
  } else if (e.fromTime !== null && e.toTime !== null) {
    parseTime(e.fromTime, "from time");
    parseTime(e.toTime, "to time", { end: true });
    if (minuteOfDay(e.toTime) <= minuteOfDay(e.fromTime))
      refuse(`the absence ends at ${e.toTime}, not after its start ${e.fromTime}`);
  }
  if (e.reason.length > exception_reason_chars_max)
    refuse(`the reason is ${e.reason.length} characters; at most ${exception_reason_chars_max}`);
  if (/[\p{Cc}]/u.test(e.reason)) refuse("the reason must be one line of text");
}

/**
 * Refuses a rule that gives its doctor slots overlapping another rule's on some date, naming both
 * and the first such date. Dates are compared from the latest of the two start dates and `fromDate`
 * (the CLI gives today: slots are never made for the past, and "on 2000-01-05" would tell an
 * operator nothing) for rule_overlap_check_years: every pattern of weekdays, weeks and months
 * repeats within that.
 */
export function checkRuleOverlaps(rule: Rule, others: readonly Rule[], fromDate: LocalDate = "2000-01-03"): void {
  for (const other of others) {
    if (other.doctor !== rule.doctor || other.id === rule.id) continue;
    if (!rule.weekdays.some((d) => other.weekdays.includes(d))) continue;
    const overlapsInDay =
      minuteOfDay(rule.start) < minuteOfDay(other.end) && minuteOfDay(other.start) < minuteOfDay(rule.end);
    if (!overlapsInDay) continue;
    const date = firstCommonDate(rule, other, epochDayOf(fromDate));
    if (date !== null) refuse(`${describeRule(rule)} overlaps ${describeRule(other)} on ${date}`);
  }
}

function firstCommonDate(a: Rule, b: Rule, fromDay: number): string | null {
  const ca = compileRule(a);
  const cb = compileRule(b);
  const start = Math.max(ca.fromDay, cb.fromDay, fromDay);
  const end = Math.min(ca.untilDay, cb.untilDay, start + Math.ceil(rule_overlap_check_years * 365.25));
  for (let day = start; day <= end; day++) {
    const civil = civilDay(day);
    if (ruleApplies(ca, civil) && ruleApplies(cb, civil)) return civil.date;
  }
  return null;
}

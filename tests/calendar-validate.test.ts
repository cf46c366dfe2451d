// The calendar's input checks: each bad value gets one line naming it, as a UsageError (the CLI
// exits 2, the wire says `error usage: ...`), and good values come back normalised.
import { describe, expect, test } from "bun:test";
import { parseDuration } from "../roles/healthcenterserver/calendar/duration.ts";
import {
  formatWeekdays,
  parseAppointmentMinutes,
  parseDate,
  parseDateRange,
  parseEveryWeeks,
  parseHorizonWeeks,
  parseNthOfMonth,
  parseTime,
  parseTimeRange,
  parseWeekdays,
} from "../roles/healthcenterserver/calendar/parse.ts";
import type { Exception, Rule } from "../roles/healthcenterserver/calendar/types.ts";
import {
  checkRuleOverlaps,
  describeException,
  validateException,
  validateRule,
} from "../roles/healthcenterserver/calendar/validate.ts";
import { parseZone } from "../roles/healthcenterserver/calendar/zone.ts";
import { exit_code, UsageError } from "../shared/errors.ts";

/** The one-line usage error `f` throws. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(exit_code.usage);
    const message = (e as UsageError).describe("healthcenterserver");
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a refusal, got none");
}

function rule(over: Partial<Rule> = {}): Rule {
  const base = { id: 1, doctor: "doc1", weekdays: [1, 2, 3, 4, 5], start: "09:00", end: "12:00", minutes: 15 };
  return { ...base, everyWeeks: 1, nthOfMonth: [], validFrom: null, validUntil: null, ...over };
}
function away(over: Partial<Exception> = {}): Exception {
  const base = { id: 1, doctor: "doc1", kind: "away" as const, fromDate: "2026-12-21", toDate: "2027-01-08" };
  return { ...base, fromTime: null, toTime: null, minutes: null, reason: "leave", ...over };
}

describe("values", () => {
  test("weekdays: lists, ranges, wrapping ranges and full names; a typo gets the nearest day", () => {
    expect(parseWeekdays("mon,tue")).toEqual([1, 2]);
    expect(parseWeekdays("mon-fri")).toEqual([1, 2, 3, 4, 5]);
    expect(parseWeekdays("fri-mon")).toEqual([1, 5, 6, 7]);
    expect(parseWeekdays("Saturday, sun,sat")).toEqual([6, 7]);
    expect(formatWeekdays([1, 2, 3, 4, 5])).toBe("mon-fri");
    expect(formatWeekdays([1, 3, 6, 7])).toBe("mon,wed,sat,sun");
    expect(refusal(() => parseWeekdays("mon,tuw"))).toBe('bad weekday "tuw" (mon to sun); did you mean tue?');
    expect(refusal(() => parseWeekdays("mon-"))).toBe('bad weekdays "mon-" (say mon,wed or mon-fri)');
    expect(refusal(() => parseWeekdays(""))).toBe("no weekdays given (say mon,wed or mon-fri)");
  });

  test("times: HH:MM from 00:00 to 23:59, and 24:00 only as an end", () => {
    expect(parseTime("9:05")).toBe("09:05");
    expect(parseTime("24:00", "end", { end: true })).toBe("24:00");
    expect(refusal(() => parseTime("24:00", "start"))).toBe('bad start "24:00" (HH:MM, 00:00 to 23:59)');
    expect(refusal(() => parseTime("12:60"))).toBe('bad time "12:60" (HH:MM, 00:00 to 23:59)');
    expect(refusal(() => parseTime("9am", "end", { end: true }))).toBe('bad end "9am" (HH:MM, 00:00 to 24:00)');
  });

  test("time ranges: HH:MM-HH:MM with the end after the start", () => {
    expect(parseTimeRange("9:00-17:30")).toEqual({ start: "09:00", end: "17:30" });
    expect(parseTimeRange("22:00-24:00")).toEqual({ start: "22:00", end: "24:00" });
    expect(refusal(() => parseTimeRange("9-17"))).toBe('bad start of hours "9" (HH:MM, 00:00 to 23:59)');
    expect(refusal(() => parseTimeRange("09:00"))).toBe('bad hours "09:00" (HH:MM-HH:MM, as 09:00-17:00)');
    expect(refusal(() => parseTimeRange("17:00-09:00"))).toBe(
      'bad hours "17:00-09:00": the end is not after the start',
    );
  });

  test("dates: YYYY-MM-DD that exists; 2026-02-30 is refused, 2028-02-29 taken", () => {
    expect(parseDate("2028-02-29")).toBe("2028-02-29");
    expect(refusal(() => parseDate("2026-02-30"))).toBe('bad date "2026-02-30": there is no such day');
    expect(refusal(() => parseDate("2026-2-3", "from date"))).toBe('bad from date "2026-2-3" (YYYY-MM-DD)');
    expect(refusal(() => parseDate("0026-02-03"))).toBe('bad date "0026-02-03" (years 1900 to 2999)');
    expect(parseDateRange("2026-12-01", "2026-12-31", 31)).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(refusal(() => parseDateRange("2026-12-02", "2026-12-01", 31))).toBe(
      "the to date 2026-12-01 is before the from date 2026-12-02",
    );
    expect(refusal(() => parseDateRange("2026-12-01", "2027-01-01", 31))).toBe(
      "2026-12-01 to 2027-01-01 is 32 days; at most 31",
    );
  });

  test("a horizon of 0 weeks or 10 years is refused; 1 and 104 weeks are taken", () => {
    expect(parseHorizonWeeks("1")).toBe(1);
    expect(parseHorizonWeeks("104")).toBe(104);
    expect(refusal(() => parseHorizonWeeks("0"))).toBe("horizon of 0 weeks is out of range (1 to 104 weeks)");
    expect(refusal(() => parseHorizonWeeks("520"))).toBe("horizon of 520 weeks is out of range (1 to 104 weeks)");
    expect(refusal(() => parseHorizonWeeks("10y"))).toBe('bad horizon "10y" (a whole number, 1 to 104 weeks)');
  });

  test("appointment lengths, every N weeks and the week of the month, at their bounds", () => {
    expect(parseAppointmentMinutes("15m")).toBe(15);
    expect(parseAppointmentMinutes("720")).toBe(720);
    expect(refusal(() => parseAppointmentMinutes("4"))).toBe(
      "appointment length of 4 minutes is out of range (5 to 720 minutes)",
    );
    expect(parseEveryWeeks("52")).toBe(52);
    expect(refusal(() => parseEveryWeeks("53"))).toBe("every-weeks of 53 is out of range (1 to 52)");
    expect(refusal(() => parseEveryWeeks("0"))).toBe("every-weeks of 0 is out of range (1 to 52)");
    expect(parseNthOfMonth("3rd,1st,last")).toEqual([1, 3, -1]);
    expect(parseNthOfMonth("5,-1")).toEqual([5, -1]);
    expect(refusal(() => parseNthOfMonth("6"))).toBe('bad week of the month "6" (1 to 5, or last; say 1,3 or last)');
    expect(refusal(() => parseNthOfMonth("0"))).toBe('bad week of the month "0" (1 to 5, or last; say 1,3 or last)');
  });

  test("time zones: an IANA name in any case; an unknown one gets the nearest valid name", () => {
    expect(parseZone("europe/london")).toBe("Europe/London");
    expect(parseZone("UTC")).toBe("UTC");
    expect(refusal(() => parseZone("Europe/Londn"))).toBe(
      'unknown time zone "Europe/Londn" (an IANA name such as Europe/London); did you mean Europe/London?',
    );
    expect(refusal(() => parseZone("new york"))).toContain("did you mean America/New_York?");
    expect(refusal(() => parseZone("Lord Howe"))).toContain("did you mean Australia/Lord_Howe?");
    // A fixed offset has no daylight saving: a clinic's zone must be a name.
    expect(refusal(() => parseZone("+05:00"))).toBe('unknown time zone "+05:00" (an IANA name such as Europe/London)');
  });

  test("durations for the clinic's rules: m, h, d, w and sums, within bounds", () => {
    const week = { min: 0, max: 7 * 24 * 60 };
    expect(parseDuration("90m", "notice", week)).toBe(90);
    expect(parseDuration("2h", "notice", week)).toBe(120);
    expect(parseDuration("1d", "notice", week)).toBe(1440);
    expect(parseDuration("1h30m", "notice", week)).toBe(90);
    // Days before hours: "1d2h" was once refused as out of order.
    expect(parseDuration("1d2h", "notice", week)).toBe(1560);
    expect(parseDuration("16w4d3h", "cut-off", { min: 0, max: 104 * 7 * 1440 })).toBe(16 * 10080 + 4 * 1440 + 180);
    expect(refusal(() => parseDuration("2h1d", "notice", week))).toBe('bad notice "2h1d" (say 90m, 2h, 1d or 8w)');
    expect(parseDuration("8w", "booking window", { min: 1, max: 104 * 7 * 1440 })).toBe(8 * 7 * 1440);
    expect(refusal(() => parseDuration("2x", "notice", week))).toBe('bad notice "2x" (say 90m, 2h, 1d or 8w)');
    expect(refusal(() => parseDuration("30m1h", "notice", week))).toBe('bad notice "30m1h" (say 90m, 2h, 1d or 8w)');
    expect(refusal(() => parseDuration("", "notice", week))).toBe('bad notice "" (say 90m, 2h, 1d or 8w)');
    expect(refusal(() => parseDuration("8d", "notice", week))).toBe("notice of 1w1d is out of range (0m to 1w)");
  });

  test("a bare 0 is zero wherever zero is allowed; any other number without a unit is refused, naming one", () => {
    const week = { min: 0, max: 7 * 24 * 60 };
    expect(parseDuration("0", "notice", week)).toBe(0);
    expect(parseDuration(" 00 ", "notice", week)).toBe(0);
    expect(refusal(() => parseDuration("0", "booking window", { min: 1, max: week.max }))).toBe(
      "booking window of 0m is out of range (1m to 1w)",
    );
    expect(refusal(() => parseDuration("90", "notice", week))).toBe(
      'bad notice "90": give a unit (90m, 90h, 90d or 90w)',
    );
  });
});

describe("rules and exceptions", () => {
  test("a good rule passes", () => {
    validateRule(rule());
    validateRule(
      rule({ everyWeeks: 2, validFrom: "2026-12-07", validUntil: "2027-06-30", end: "24:00", start: "23:00" }),
    );
    validateRule(rule({ nthOfMonth: [1, 3, -1] }));
  });

  test("an end before (or at) the start is refused", () => {
    expect(refusal(() => validateRule(rule({ start: "12:00", end: "09:00" })))).toBe(
      "the rule ends at 09:00, not after its start 12:00",
    );
    expect(refusal(() => validateRule(rule({ end: "09:00" })))).toBe(
      "the rule ends at 09:00, not after its start 09:00",
    );
  });

  test("a window that is not a whole number of appointments is refused, naming the ends that fit", () => {
    expect(refusal(() => validateRule(rule({ end: "12:10" })))).toBe(
      "09:00-12:10 is 190 minutes, not a whole number of 15-minute appointments; end at 12:00 or 12:15",
    );
    expect(refusal(() => validateRule(rule({ end: "09:10", minutes: 30 })))).toBe(
      "09:00-09:10 is 10 minutes, not a whole number of 30-minute appointments; end at 09:30",
    );
  });

  test("bad lengths, week counts, weeks of the month and date ranges are refused", () => {
    expect(refusal(() => validateRule(rule({ minutes: 1000 })))).toBe(
      "appointment length 1000 is out of range (5 to 720 minutes)",
    );
    expect(refusal(() => validateRule(rule({ everyWeeks: 53, validFrom: "2026-12-07" })))).toBe(
      "every 53 weeks is out of range (1 to 52)",
    );
    expect(refusal(() => validateRule(rule({ everyWeeks: 2 })))).toBe(
      "every 2 weeks needs a from date (its weeks are counted from that date's week)",
    );
    expect(refusal(() => validateRule(rule({ nthOfMonth: [6] })))).toBe(
      "week of the month 6 is out of range (1 to 5, or -1 for the last)",
    );
    expect(refusal(() => validateRule(rule({ everyWeeks: 2, validFrom: "2026-12-07", nthOfMonth: [1] })))).toBe(
      "a rule is either every 2 weeks or the nth weekday of the month, not both",
    );
    expect(refusal(() => validateRule(rule({ validFrom: "2027-01-01", validUntil: "2026-12-31" })))).toBe(
      "the until date 2026-12-31 is before the from date 2027-01-01",
    );
    expect(refusal(() => validateRule(rule({ validFrom: "2026-02-30" })))).toBe(
      'bad from date "2026-02-30": there is no such day',
    );
    expect(refusal(() => validateRule(rule({ weekdays: [] })))).toBe("bad weekdays [] (1 = Monday to 7 = Sunday)");
    // Stored values are exactly as the parsers give them: the generator reads them by position.
    expect(refusal(() => validateRule(rule({ start: "9:00" })))).toBe(
      'the rule\'s times "9:00-12:00" are not HH:MM-HH:MM',
    );
    expect(refusal(() => validateRule(rule({ validFrom: " 2026-12-01" })))).toBe(
      'bad from date " 2026-12-01" (YYYY-MM-DD)',
    );
  });

  test("overlapping rules for one doctor are refused, naming both and the first date they meet", () => {
    const morning = rule({ id: 1, weekdays: [1, 3], validFrom: "2026-12-01" });
    const late = rule({ id: 2, weekdays: [3], start: "11:30", end: "13:00", minutes: 30, validFrom: "2026-12-01" });
    expect(refusal(() => checkRuleOverlaps(late, [morning]))).toBe(
      "rule 2 (doc1 wed 11:30-13:00, 30 min, from 2026-12-01) overlaps rule 1 (doc1 mon,wed 09:00-12:00, 15 min, from 2026-12-01) on 2026-12-02",
    );
  });

  test("rules that never meet are not overlaps: other doctor, other hours, other weeks, other months' weekdays", () => {
    const base = rule({ id: 1, weekdays: [1], everyWeeks: 2, validFrom: "2026-12-07" });
    checkRuleOverlaps(rule({ id: 2, doctor: "doc2", weekdays: [1] }), [base]);
    checkRuleOverlaps(rule({ id: 2, weekdays: [1], start: "12:00", end: "13:00" }), [base]);
    checkRuleOverlaps(rule({ id: 2, weekdays: [1], everyWeeks: 2, validFrom: "2026-12-14" }), [base]);
    checkRuleOverlaps(rule({ id: 2, weekdays: [1], validFrom: "2027-01-01", validUntil: "2027-01-03" }), [base]);
    const first = rule({ id: 3, weekdays: [6], nthOfMonth: [1, 3] });
    checkRuleOverlaps(rule({ id: 4, weekdays: [6], nthOfMonth: [2, 4] }), [first]);
    expect(
      refusal(() =>
        checkRuleOverlaps(rule({ id: 4, weekdays: [6], nthOfMonth: [-1] }), [
          rule({ id: 5, weekdays: [6], nthOfMonth: [5] }),
        ]),
      ),
    ).toContain("overlaps rule 5");
    // Editing a rule compares it with the others, not with its old self.
    checkRuleOverlaps(base, [base]);
  });

  test("the first date two rules meet is counted from the date given (the CLI's today), not from 2000", () => {
    const weekdays = rule({ id: 1, weekdays: [1, 2, 3, 4, 5] });
    const wednesday = rule({ id: 2, weekdays: [3], start: "11:00", end: "13:00" });
    expect(refusal(() => checkRuleOverlaps(wednesday, [weekdays], "2026-12-04"))).toEndWith(" on 2026-12-09");
    // Rules that met only before that date do not meet any more: no slot is made for the past.
    const ended = rule({ id: 3, weekdays: [3], validUntil: "2026-11-30" });
    checkRuleOverlaps(wednesday, [ended], "2026-12-04");
    expect(refusal(() => checkRuleOverlaps(wednesday, [ended]))).toContain("overlaps rule 3");
  });

  test("exceptions are described in one line for lists and errors", () => {
    expect(describeException(away({ id: 3 }))).toBe("away 3 (doc1 2026-12-21 to 2027-01-08, all day: leave)");
    const open = away({
      id: 4,
      kind: "open",
      doctor: "doc3",
      toDate: "2026-12-21",
      fromTime: "10:00",
      toTime: "12:00",
    });
    expect(describeException({ ...open, minutes: 30, reason: "" })).toBe(
      "open 4 (doc3 2026-12-21, 10:00-12:00, 30 min)",
    );
  });

  test("exceptions: dates, times, an opening's hours and length, the reason", () => {
    validateException(away());
    validateException(away({ fromTime: "13:00", toTime: "17:00" }));
    validateException(away({ kind: "open", fromTime: "09:00", toTime: "12:00", minutes: 20 }));
    expect(refusal(() => validateException(away({ toDate: "2026-12-20" })))).toBe(
      "the to date 2026-12-20 is before the from date 2026-12-21",
    );
    expect(refusal(() => validateException(away({ toDate: "2029-01-01" })))).toBe(
      "2026-12-21 to 2029-01-01 is 743 days; at most 731",
    );
    expect(refusal(() => validateException(away({ fromTime: "13:00" })))).toBe(
      "give both a from time and a to time, or neither",
    );
    expect(refusal(() => validateException(away({ fromTime: "13:00", toTime: "12:00" })))).toBe(
      "the absence ends at 12:00, not after its start 13:00",
    );
    expect(refusal(() => validateException(away({ kind: "open" })))).toBe(
      "an opening needs its hours (a from time and a to time)",
    );
    expect(
      refusal(() => validateException(away({ kind: "open", fromTime: "09:00", toTime: "09:50", minutes: 20 }))),
    ).toBe("09:00-09:50 is 50 minutes, not a whole number of 20-minute appointments; end at 09:40 or 10:00");
    expect(refusal(() => validateException(away({ reason: "a\nb" })))).toBe("the reason must be one line of text");
    expect(refusal(() => validateException(away({ fromDate: "2026-02-30" })))).toBe(
      'bad from date "2026-02-30": there is no such day',
    );
  });
});

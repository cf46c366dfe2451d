// The clinic's rules, pure (calendar/policy.ts): each rule one minute either side of its instant, in
// the clinic's zone across daylight-saving changes; the lines patients read; what the operator may
// not set. The same rules in the stores' transactions: store-cases.ts; over sockets: calendar-policy-server.test.ts.
import { describe, expect, test } from "bun:test";
import {
  bookingRefused,
  cancelRefused,
  checkPolicy,
  durationWords,
  policyForType,
  refusalLine,
  type ClinicPolicy,
} from "../roles/healthcenterserver/calendar/policy.ts";
import { readPolicy } from "../roles/healthcenterserver/cli/calendar-settings.ts";
import { UsageError } from "../shared/errors.ts";

const at = (iso: string) => Temporal.ZonedDateTime.from(iso).epochMilliseconds;
const minute = 60_000;
const rules = (p: Partial<ClinicPolicy>): ClinicPolicy => ({ min_notice: 0, max_ahead: 0, cancel_cutoff: 0, ...p });

describe("each rule one minute before and after its instant, across a daylight-saving change", () => {
  test("cancel cut-off 24h before Sun 28 Mar 2027 10:00 BST closes at 09:00 GMT the day before (24 real hours)", () => {
    const start = at("2027-03-28T10:00[Europe/London]");
    const p = rules({ cancel_cutoff: 24 * 60 });
    const closes = at("2027-03-27T09:00[Europe/London]");
    expect(cancelRefused(p, start, closes - minute)).toBeUndefined();
    expect(cancelRefused(p, start, closes)).toBeUndefined();
    const r = cancelRefused(p, start, closes + minute)!;
    expect(r).toEqual({ rule: "cancel_cutoff", minutes: 1440, atMs: closes });
    expect(refusalLine(r, "cancel", "Europe/London")).toBe(
      "too late to cancel: the clinic allows cancelling until 24 hours before (Sat 27 Mar, 09:00)",
    );
    expect(refusalLine(r, "move", "Europe/London")).toBe(
      "too late to move: the clinic allows moving until 24 hours before (Sat 27 Mar, 09:00)",
    );
  });

  test("minimum notice 2h before 03:00 BST on the spring-forward night closes at 00:00 GMT", () => {
    const start = at("2027-03-28T03:00[Europe/London]");
    const p = rules({ min_notice: 120 });
    const closes = at("2027-03-28T00:00[Europe/London]");
    expect(start - closes).toBe(2 * 3_600_000);
    expect(bookingRefused(p, start, closes - minute)).toBeUndefined();
    const r = bookingRefused(p, start, closes + minute)!;
    expect(r).toEqual({ rule: "min_notice", minutes: 120, atMs: closes });
    expect(refusalLine(r, "book", "Europe/London")).toBe(
      "too soon to book: the clinic takes bookings until 2 hours before (Sun 28 Mar, 00:00)",
    );
  });

  test("max ahead 8w of Tue 20 Apr 2027 10:00 BST opens at 09:00 GMT on Tue 23 Feb (8 x 7 x 24 real hours)", () => {
    const start = at("2027-04-20T10:00[Europe/London]");
    const p = rules({ max_ahead: 8 * 7 * 24 * 60 });
    const opens = at("2027-02-23T09:00[Europe/London]");
    const r = bookingRefused(p, start, opens - minute)!;
    expect(r).toEqual({ rule: "max_ahead", minutes: 80640, atMs: opens });
    expect(bookingRefused(p, start, opens)).toBeUndefined();
    expect(bookingRefused(p, start, opens + minute)).toBeUndefined();
    expect(refusalLine(r, "book", "Europe/London")).toBe(
      "too far ahead: the clinic takes bookings from 8 weeks before (Tue 23 Feb, 09:00)",
    );
  });

  test("New York's fall back: a cut-off of 24h before Sun 1 Nov 2026 09:00 EST closes at 10:00 EDT on Saturday", () => {
    const start = at("2026-11-01T09:00[America/New_York]");
    const p = rules({ cancel_cutoff: 24 * 60 });
    const closes = at("2026-10-31T10:00[America/New_York]");
    expect(cancelRefused(p, start, closes - minute)).toBeUndefined();
    const r = cancelRefused(p, start, closes + minute)!;
    expect(r.atMs).toBe(closes);
    expect(refusalLine(r, "cancel", "America/New_York")).toContain("(Sat 31 Oct, 10:00)");
  });

  test("every rule off (0) refuses nothing, however near or far", () => {
    const p = rules({});
    const now = Date.now();
    expect(bookingRefused(p, now + minute, now)).toBeUndefined();
    expect(bookingRefused(p, now + 100 * 7 * 86_400_000, now)).toBeUndefined();
    expect(cancelRefused(p, now + minute, now)).toBeUndefined();
  });
});

test("durations read as words: 24 hours, 2 hours, 8 weeks, 1 hour 30 minutes, 3 days", () => {
  expect([1440, 120, 80640, 90, 4320, 2880, 1, 1500].map(durationWords)).toEqual([
    "24 hours",
    "2 hours",
    "8 weeks",
    "1 hour 30 minutes",
    "3 days",
    "48 hours",
    "1 minute",
    "1 day 1 hour",
  ]);
});

describe("the operator's values: flags over [policy], each refused in one line naming it", () => {
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error("not refused");
  };

  test("flags override the file; nothing set is no policy", () => {
    expect(readPolicy({}, {}, 8)).toBeUndefined();
    expect(readPolicy({}, { min_notice: "0m" }, 8)).toBeUndefined();
    expect(readPolicy({ "min-notice": "2h" }, { min_notice: "1d", cancel_cutoff: "24h" }, 8)).toEqual({
      min_notice: 120,
      max_ahead: 0,
      cancel_cutoff: 1440,
    });
    expect(readPolicy({}, { max_ahead: "8w" }, 8)).toEqual({ min_notice: 0, max_ahead: 80640, cancel_cutoff: 0 });
  });

  test("bad and negative durations name the flag or the file's key and the value", () => {
    expect(refusal(() => readPolicy({ "min-notice": "2x" }, {}, 8))).toBe(
      '--min-notice: bad minimum notice "2x" (say 90m, 2h, 1d or 8w)',
    );
    expect(refusal(() => readPolicy({ "cancel-cutoff": "-24h" }, {}, 8))).toBe(
      '--cancel-cutoff: bad cancellation cut-off "-24h" (say 90m, 2h, 1d or 8w)',
    );
    expect(refusal(() => readPolicy({}, { max_ahead: "8 weeks" }, 8))).toBe(
      '[policy] max_ahead in the deployment file: bad booking horizon "8 weeks" (say 90m, 2h, 1d or 8w)',
    );
  });

  test("a cut-off beyond the horizon, a notice not within it, a notice not below max ahead", () => {
    expect(refusal(() => readPolicy({ "cancel-cutoff": "9w" }, {}, 8))).toBe(
      "--cancel-cutoff 9w is beyond the horizon of 8 weeks (--horizon-weeks): no appointment could ever be cancelled",
    );
    expect(readPolicy({ "cancel-cutoff": "8w" }, {}, 8)?.cancel_cutoff).toBe(80640);
    expect(refusal(() => readPolicy({}, { min_notice: "8w" }, 8))).toBe(
      "[policy] min_notice in the deployment file 8w is not within the horizon of 8 weeks (--horizon-weeks): " +
        "no slot could be booked",
    );
    expect(refusal(() => readPolicy({ "min-notice": "2d", "max-ahead": "2d" }, {}, 8))).toBe(
      "--min-notice 2d is not less than --max-ahead 2d: no slot could be booked",
    );
    expect(() => checkPolicy(rules({ min_notice: 60, max_ahead: 61 }), 1, String)).not.toThrow();
  });
});

test("a type's own rules replace the clinic's one by one; a type without any keeps the clinic's", () => {
  const clinic = rules({ min_notice: 120, cancel_cutoff: 1440 });
  const none = { minNotice: null, maxAhead: null, cancelCutoff: null };
  expect(policyForType(clinic, undefined)).toBe(clinic);
  expect(policyForType(clinic, none)).toBe(clinic);
  expect(policyForType(clinic, { ...none, cancelCutoff: 4320 })).toEqual(
    rules({ min_notice: 120, cancel_cutoff: 4320 }),
  );
  expect(policyForType(clinic, { ...none, minNotice: 0 })).toEqual(rules({ cancel_cutoff: 1440 }));
  expect(policyForType(undefined, { ...none, maxAhead: 80640 })).toEqual(rules({ max_ahead: 80640 }));
  expect(policyForType(undefined, { ...none, maxAhead: 0 })).toBeUndefined();
});

// The daylight-saving proof: a weekly rule's slots over ten years in six zones, every daylight-saving
// change included, against an independent computation (tests/dst-oracle.ts: Intl.DateTimeFormat
// only, brute force over every minute of each day a change touches); then the hard days by hand.
import { describe, expect, test } from "bun:test";
import { generateSlots } from "../roles/healthcenterserver/calendar/generate.ts";
import type { DatedSlot, Exception, Rule } from "../roles/healthcenterserver/calendar/types.ts";
import { expectedWindow, minutesAround, offsetAt, type Transition, transitions, wallAt } from "./dst-oracle.ts";

const minute_ms = 60_000;
const every_day = [1, 2, 3, 4, 5, 6, 7];
function rule(id: number, doctor: string, start: string, end: string, minutes: number): Rule {
  const r = { id, doctor, weekdays: every_day, start, end, minutes, everyWeeks: 1, nthOfMonth: [] };
  return { ...r, validFrom: null, validUntil: null };
}
// doc1: windows across the small hours (every zone here changes between 00:00 and 04:00, or at
// midnight) and the day's last hours (a change at midnight repeats 23:00-24:00); doc2: 45-minute
// slots, a grid that does not line up with a 60- or 30-minute jump.
type Window = [doctor: string, startMin: number, endMin: number, lengthMin: number];
const windows: Window[] = [
  ["doc1", 0, 240, 15],
  ["doc1", 22 * 60, 24 * 60, 15],
  ["doc2", 60, 240, 45],
];
const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
const rulesOf = (list: Window[]) => list.map(([doctor, s, e, len], i) => rule(i + 1, doctor, hhmm(s), hhmm(e), len));

/**
 * Rules that start exactly where the zone's clock skips or repeats (02:00 and 01:00 in New York,
 * 02:45 in Chatham, 00:00 and 23:00 in Santiago and Tehran), a doctor each: 30 minutes of 15-minute slots.
 */
function exactWindows(changes: Transition[]): Window[] {
  const starts = new Set(
    changes.map((c) => {
      const wall = c.atMs / minute_ms + Math.min(c.beforeMin, c.afterMin);
      return ((wall % 1440) + 1440) % 1440;
    }),
  );
  return [...starts].map((m) => [`at-${hhmm(m)}`, m, Math.min(m + 30, 1440), 15]);
}

const from = "2017-01-01";
const to = "2026-12-31";
const zones: [string, number][] = [
  // zone, the fewest changes it must show in these ten years (Tehran stopped in 2022)
  ["America/New_York", 20],
  ["Europe/London", 20],
  ["Australia/Lord_Howe", 20],
  ["America/Santiago", 18],
  ["Asia/Tehran", 12],
  ["Pacific/Chatham", 20],
];

function dates(): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += 86_400_000)
    out.push(new Date(ms).toISOString().slice(0, 10));
  return out;
}

/** The offset in force at an instant, from the oracle's list of changes. */
function offsetFrom(list: Transition[], initialMin: number, ms: number): number {
  let offset = initialMin;
  for (const t of list) if (t.atMs <= ms) offset = t.afterMin;
  return offset;
}

/** What the oracle says each doctor gets over the ten years, and how many hard wall times it met. */
function expected(zone: string, changes: Transition[], windows: Window[]) {
  const initial = offsetAt(zone, Date.parse(`${from}T00:00:00Z`) - 86_400_000);
  const hardDates = new Set(
    changes.flatMap((c) => [wallAt(zone, c.atMs - minute_ms), wallAt(zone, c.atMs)]).map((w) => w.slice(0, 10)),
  );
  const byDoctor = new Map<string, number[]>(windows.map(([doctor]) => [doctor, []]));
  let skipped = 0;
  let repeated = 0;
  for (const date of dates()) {
    if (hardDates.has(date)) {
      const around = minutesAround(zone, date);
      for (const [doctor, s, e, len] of windows) byDoctor.get(doctor)!.push(...expectedWindow(around, date, s, e, len));
      const grid = (w: string) => w.startsWith(date) && +w.slice(14, 16) % 15 === 0;
      const seen = new Map<string, number>();
      for (const a of around) if (grid(a.wall)) seen.set(a.wall, (seen.get(a.wall) ?? 0) + 1);
      skipped += 96 - seen.size;
      repeated += [...seen.values()].filter((n) => n > 1).length;
      continue;
    }
    const noon = Date.parse(`${date}T12:00:00Z`);
    const offset = offsetFrom(changes, initial, noon - offsetFrom(changes, initial, noon) * minute_ms);
    for (const [doctor, s, e, len] of windows)
      for (let m = s; m + len <= e; m += len)
        byDoctor.get(doctor)!.push(Date.parse(`${date}T00:00:00Z`) + (m - offset) * minute_ms);
  }
  return { byDoctor, skipped, repeated, hardDates: hardDates.size };
}

function firstDifference(zone: string, got: number[], want: number[]): string | null {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] === want[i]) continue;
    const show = (ms: number | undefined) =>
      ms === undefined ? "nothing" : `${new Date(ms).toISOString()} (${wallAt(zone, ms)} local)`;
    return `slot ${i}: generated ${show(got[i])}, expected ${show(want[i])}`;
  }
  return null;
}

describe("ten years of daylight-saving changes, against an independent computation", () => {
  for (const [zone, changesMin] of zones) {
    test(`${zone}: every slot of a weekly rule, across every change from ${from} to ${to}`, () => {
      const changes = transitions(
        zone,
        Date.parse(`${from}T00:00:00Z`) - 86_400_000,
        Date.parse(`${to}T23:59:00Z`) + 86_400_000,
      );
      expect(changes.length).toBeGreaterThanOrEqual(changesMin);
      const all = [...windows, ...exactWindows(changes)];
      const want = expected(zone, changes, all);
      // The proof is not empty: it met wall times that do not exist and wall times that happen twice.
      expect(want.skipped).toBeGreaterThan(0);
      expect(want.repeated).toBeGreaterThan(0);
      const slots: DatedSlot[] = generateSlots(rulesOf(all), [], zone, from, to);
      for (const doctor of want.byDoctor.keys()) {
        const got = slots.filter((s) => s.doctor === doctor).map((s) => s.startMs);
        expect(firstDifference(zone, got, want.byDoctor.get(doctor)!)).toBeNull();
      }
      expect(slots.every((s, i) => i === 0 || slots[i - 1]!.startMs <= s.startMs)).toBe(true);
    });
  }

  test("Asia/Tehran: no change after September 2022, and slots after it are at +03:30 all year", () => {
    const changes = transitions("Asia/Tehran", Date.parse("2022-10-01T00:00:00Z"), Date.parse("2026-12-31T00:00:00Z"));
    expect(changes).toEqual([]);
    const june = generateSlots([rule(1, "doc1", "09:00", "09:15", 15)], [], "Asia/Tehran", "2025-06-21", "2025-06-21");
    expect(june.map((s) => s.startMs)).toEqual([Date.parse("2025-06-21T05:30:00Z")]);
  });
});

describe("the hard days, by hand", () => {
  const ny = "America/New_York";
  const utc = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const day = (r: Rule, zone: string, date: string, exceptions: Exception[] = []) =>
    generateSlots([r], exceptions, zone, date, date);

  test("spring forward (New York, 2026-03-08): 02:30 does not exist, so a rule at 02:30 gives no slot", () => {
    expect(day(rule(1, "doc1", "02:30", "03:00", 30), ny, "2026-03-08")).toEqual([]);
    expect(day(rule(1, "doc1", "02:30", "03:00", 30), ny, "2026-03-15").map((s) => utc(s.startMs))).toEqual(["06:30"]);
  });

  test("spring forward: a window 01:00-04:00 crosses the gap, its slots 15 real minutes, none lost outside it", () => {
    const slots = day(rule(1, "doc1", "01:00", "04:00", 15), ny, "2026-03-08");
    // 01:00-01:45 EST (UTC-5), then 03:00-03:45 EDT (UTC-4): 01:45 EST ends exactly when 03:00 EDT begins.
    expect(slots.map((s) => utc(s.startMs))).toEqual([
      "06:00",
      "06:15",
      "06:30",
      "06:45",
      "07:00",
      "07:15",
      "07:30",
      "07:45",
    ]);
  });

  test("spring forward: a 45-minute slot that the jump would run into the next one is not offered", () => {
    // Grid 00:00, 00:45, 01:30, 02:15 (skipped), 03:00: 01:30 EST + 45 min = 03:15 EDT, past 03:00 EDT.
    const slots = day(rule(1, "doc1", "00:00", "03:45", 45), ny, "2026-03-08");
    expect(slots.map((s) => utc(s.startMs))).toEqual(["05:00", "05:45", "07:00"]);
  });

  test("spring forward: a window ending inside the gap ends at the jump", () => {
    // 01:00-02:30 of 60 minutes: 01:00 EST + 60 min = 03:00 EDT, the jump: offered. 01:30 + 60 would pass it.
    expect(day(rule(1, "doc1", "01:00", "02:30", 60), ny, "2026-03-08").map((s) => utc(s.startMs))).toEqual(["06:00"]);
    expect(day(rule(1, "doc1", "01:30", "02:30", 60), ny, "2026-03-08")).toEqual([]);
  });

  test("fall back (New York, 2026-11-01): 01:30 happens twice and gives one slot, at its first occurrence (EDT)", () => {
    const slots = day(rule(1, "doc1", "01:30", "02:00", 30), ny, "2026-11-01");
    expect(slots.map((s) => utc(s.startMs))).toEqual(["05:30"]);
    expect(slots[0]!.minutes).toBe(30);
  });

  test("fall back: a window 01:00-04:00 keeps one slot per wall time; the repeated hour is not offered twice", () => {
    const slots = day(rule(1, "doc1", "01:00", "04:00", 15), ny, "2026-11-01");
    const got = slots.map((s) => utc(s.startMs));
    // 01:00-01:45 EDT (05:00-05:45Z); then 02:00-03:45 EST (07:00-08:45Z); 06:00-06:45Z (01:xx EST) is the repeat.
    expect(got).toEqual([
      "05:00",
      "05:15",
      "05:30",
      "05:45",
      "07:00",
      "07:15",
      "07:30",
      "07:45",
      "08:00",
      "08:15",
      "08:30",
      "08:45",
    ]);
    expect(new Set(slots.map((s) => wallAt(ny, s.startMs))).size).toBe(slots.length);
  });

  test("an absence given in wall time on a fall-back day covers its real span", () => {
    const away: Exception = {
      id: 1,
      doctor: "doc1",
      kind: "away",
      fromDate: "2026-11-01",
      toDate: "2026-11-01",
      fromTime: "01:30",
      toTime: "02:15",
      minutes: null,
      reason: "",
    };
    const slots = day(rule(1, "doc1", "01:00", "03:00", 15), ny, "2026-11-01", [away]);
    expect(slots.map((s) => wallAt(ny, s.startMs).slice(11))).toEqual(["01:00", "01:15", "02:15", "02:30", "02:45"]);
  });

  test("Lord Howe's half-hour change: 02:00-02:30 skipped in October, 01:30-02:00 repeated in April", () => {
    const lh = "Australia/Lord_Howe";
    const october = day(rule(1, "doc1", "01:30", "03:00", 30), lh, "2026-10-04");
    expect(october.map((s) => wallAt(lh, s.startMs).slice(11))).toEqual(["01:30", "02:30"]);
    expect(october[1]!.startMs - october[0]!.startMs).toBe(30 * minute_ms);
    const april = day(rule(1, "doc1", "01:00", "03:00", 30), lh, "2026-04-05");
    expect(april.map((s) => wallAt(lh, s.startMs).slice(11))).toEqual(["01:00", "01:30", "02:00", "02:30"]);
    // 01:30 at +11:00 (its first occurrence) runs 30 real minutes, to 01:30 at +10:30; 02:00 starts 30 minutes later.
    expect(april[2]!.startMs - april[1]!.startMs).toBe(60 * minute_ms);
  });
});

// The calendar's generator: every rule feature at its boundaries, exceptions, openings, order and
// the incremental form. Expected instants come from Temporal directly (days without a
// daylight-saving change); the hard days are in calendar-dst.test.ts.
import { describe, expect, test } from "bun:test";
import { generateSlots } from "../roles/healthcenterserver/calendar/generate.ts";
import type { DatedSlot, Exception, Rule } from "../roles/healthcenterserver/calendar/types.ts";

const london = "Europe/London";

function rule(over: Partial<Rule> = {}): Rule {
  return {
    id: 1,
    doctor: "doc1",
    weekdays: [1, 2, 3, 4, 5],
    start: "09:00",
    end: "10:00",
    minutes: 15,
    everyWeeks: 1,
    nthOfMonth: [],
    validFrom: null,
    validUntil: null,
    ...over,
  };
}

function exception(over: Partial<Exception>): Exception {
  return {
    id: 1,
    doctor: "doc1",
    kind: "away",
    fromDate: "2026-12-07",
    toDate: "2026-12-07",
    fromTime: null,
    toTime: null,
    minutes: null,
    reason: "",
    ...over,
  };
}

/** The instant of a local wall time, straight from Temporal. */
const at = (local: string, zone = london) => Temporal.PlainDateTime.from(local).toZonedDateTime(zone).epochMilliseconds;
/** "2026-12-07T09:00 doc1 15" per slot, in the zone's wall time. */
function show(slots: DatedSlot[], zone = london): string[] {
  return slots.map((s) => {
    const z = Temporal.Instant.fromEpochMilliseconds(s.startMs).toZonedDateTimeISO(zone);
    return `${z.toPlainDateTime().toString().slice(0, 16)} ${s.doctor} ${s.minutes}`;
  });
}
const dates = (slots: DatedSlot[], zone = london) => [...new Set(show(slots, zone).map((s) => s.slice(0, 10)))];

describe("rules", () => {
  test("a weekly rule gives each window's slots, start included and end excluded, at local wall time", () => {
    const slots = generateSlots([rule()], [], london, "2026-12-07", "2026-12-07");
    expect(slots.map((s) => s.startMs)).toEqual(["09:00", "09:15", "09:30", "09:45"].map((t) => at(`2026-12-07T${t}`)));
    expect(slots.every((s) => s.minutes === 15 && s.doctor === "doc1")).toBe(true);
    // In summer London is an hour ahead of UTC: the same wall time is another instant.
    const june = generateSlots([rule()], [], london, "2026-06-01", "2026-06-01");
    expect(june[0]!.startMs).toBe(Date.UTC(2026, 5, 1, 8, 0));
  });

  test("only the rule's weekdays get slots (Monday to Friday: no weekend)", () => {
    const slots = generateSlots([rule()], [], london, "2026-12-05", "2026-12-13");
    expect(dates(slots)).toEqual(["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"]);
  });

  test("a window ending at 24:00 runs to the next day's midnight", () => {
    const slots = generateSlots(
      [rule({ start: "23:00", end: "24:00", minutes: 30 })],
      [],
      london,
      "2026-12-07",
      "2026-12-07",
    );
    expect(show(slots)).toEqual(["2026-12-07T23:00 doc1 30", "2026-12-07T23:30 doc1 30"]);
  });

  test("validFrom and validUntil are inclusive", () => {
    const r = rule({ weekdays: [1, 2, 3, 4, 5, 6, 7], validFrom: "2026-12-08", validUntil: "2026-12-10" });
    const slots = generateSlots([r], [], london, "2026-12-01", "2026-12-31");
    expect(dates(slots)).toEqual(["2026-12-08", "2026-12-09", "2026-12-10"]);
  });

  test("every 2 weeks counts from the Monday of validFrom's week", () => {
    // 2026-12-09 is a Wednesday: its week (from Monday 7th) is week 0, so Monday the 7th itself is before validFrom.
    const r = rule({ weekdays: [1, 3], everyWeeks: 2, validFrom: "2026-12-09" });
    const slots = generateSlots([r], [], london, "2026-12-01", "2027-01-10");
    expect(dates(slots)).toEqual(["2026-12-09", "2026-12-21", "2026-12-23", "2027-01-04", "2027-01-06"]);
  });

  test("every 3 weeks keeps its rhythm across a year's end", () => {
    const r = rule({ weekdays: [5], everyWeeks: 3, validFrom: "2026-12-04" });
    const slots = generateSlots([r], [], london, "2026-12-01", "2027-02-28");
    expect(dates(slots)).toEqual(["2026-12-04", "2026-12-25", "2027-01-15", "2027-02-05", "2027-02-26"]);
  });

  test("the first and third Saturday of the month", () => {
    const r = rule({ weekdays: [6], nthOfMonth: [1, 3] });
    const slots = generateSlots([r], [], london, "2026-12-01", "2027-01-31");
    expect(dates(slots)).toEqual(["2026-12-05", "2026-12-19", "2027-01-02", "2027-01-16"]);
  });

  test("the last Monday (-1) and the fifth Monday (only in months that have one)", () => {
    const last = generateSlots([rule({ weekdays: [1], nthOfMonth: [-1] })], [], london, "2026-11-01", "2027-02-28");
    expect(dates(last)).toEqual(["2026-11-30", "2026-12-28", "2027-01-25", "2027-02-22"]);
    const fifth = generateSlots([rule({ weekdays: [1], nthOfMonth: [5] })], [], london, "2026-11-01", "2027-02-28");
    expect(dates(fifth)).toEqual(["2026-11-30"]);
    const fourth = generateSlots([rule({ weekdays: [1], nthOfMonth: [4] })], [], london, "2026-11-01", "2026-11-30");
    expect(dates(fourth)).toEqual(["2026-11-23"]);
  });

  test("a window that is not a whole number of slots offers only the whole ones", () => {
    const slots = generateSlots([rule({ end: "09:50", minutes: 20 })], [], london, "2026-12-07", "2026-12-07");
    expect(show(slots)).toEqual(["2026-12-07T09:00 doc1 20", "2026-12-07T09:20 doc1 20"]);
  });
});

describe("exceptions and openings", () => {
  const weekdays = rule({ weekdays: [1, 2, 3, 4, 5, 6, 7] });

  test("one away entry removes three weeks of leave, first and last days included", () => {
    const leave = exception({ fromDate: "2026-12-08", toDate: "2026-12-28", reason: "leave" });
    const slots = generateSlots([weekdays], [leave], london, "2026-12-07", "2026-12-29");
    expect(dates(slots)).toEqual(["2026-12-07", "2026-12-29"]);
  });

  test("away for a time range removes every slot it touches, on each day of the range", () => {
    const dentist = exception({ fromDate: "2026-12-07", toDate: "2026-12-08", fromTime: "09:20", toTime: "09:45" });
    const slots = generateSlots([weekdays], [dentist], london, "2026-12-07", "2026-12-09");
    expect(show(slots).map((s) => s.slice(0, 16))).toEqual([
      "2026-12-07T09:00",
      "2026-12-07T09:45",
      "2026-12-08T09:00",
      "2026-12-08T09:45",
      "2026-12-09T09:00",
      "2026-12-09T09:15",
      "2026-12-09T09:30",
      "2026-12-09T09:45",
    ]);
  });

  test("away for another doctor changes nothing for this one", () => {
    const slots = generateSlots([weekdays], [exception({ doctor: "doc2" })], london, "2026-12-07", "2026-12-07");
    expect(slots.length).toBe(4);
  });

  test("a one-off opening adds its slots, even for a doctor with no rule and on a day away", () => {
    const saturday = exception({ kind: "open", fromDate: "2026-12-12", toDate: "2026-12-12", fromTime: "10:00" });
    const open = { ...saturday, doctor: "doc3", toTime: "11:00", minutes: 30 };
    expect(show(generateSlots([], [open], london, "2026-12-12", "2026-12-12"))).toEqual([
      "2026-12-12T10:00 doc3 30",
      "2026-12-12T10:30 doc3 30",
    ]);
    const away = exception({ doctor: "doc3", fromDate: "2026-12-01", toDate: "2026-12-31" });
    expect(generateSlots([], [away, open], london, "2026-12-12", "2026-12-12").length).toBe(2);
  });

  test("several openings on one day all count, whatever their order in the list", () => {
    const late = exception({ id: 2, kind: "open", fromTime: "15:00", toTime: "15:30", minutes: 30 });
    const early = exception({ id: 3, kind: "open", fromTime: "08:00", toTime: "08:30", minutes: 30 });
    const slots = generateSlots([weekdays], [late, early], london, "2026-12-07", "2026-12-07");
    expect(show(slots).map((s) => s.slice(11, 16))).toEqual(["08:00", "09:00", "09:15", "09:30", "09:45", "15:00"]);
  });

  test("an opening overlapping a rule's slot gives way to it: one doctor never has two overlapping slots", () => {
    const open = exception({ kind: "open", fromTime: "09:40", toTime: "10:20", minutes: 20 });
    const slots = generateSlots([weekdays], [open], london, "2026-12-07", "2026-12-07");
    expect(show(slots)).toEqual([
      "2026-12-07T09:00 doc1 15",
      "2026-12-07T09:15 doc1 15",
      "2026-12-07T09:30 doc1 15",
      "2026-12-07T09:45 doc1 15",
      "2026-12-07T10:00 doc1 20",
    ]);
  });
});

describe("order and ranges", () => {
  test("slots are sorted by start, then by doctor in natural order (doc2 before doc10)", () => {
    const rules = ["doc10", "doc2", "doc1"].map((doctor, id) => rule({ id, doctor, start: "09:00", end: "09:30" }));
    const slots = generateSlots(rules, [], london, "2026-12-07", "2026-12-08");
    expect(show(slots).slice(0, 6)).toEqual([
      "2026-12-07T09:00 doc1 15",
      "2026-12-07T09:00 doc2 15",
      "2026-12-07T09:00 doc10 15",
      "2026-12-07T09:15 doc1 15",
      "2026-12-07T09:15 doc2 15",
      "2026-12-07T09:15 doc10 15",
    ]);
    expect(slots.every((s, i) => i === 0 || slots[i - 1]!.startMs <= s.startMs)).toBe(true);
  });

  test("a doctor's rules on one day come out in time order whatever their order in the list", () => {
    const rules = [rule({ id: 1, start: "14:00", end: "14:30" }), rule({ id: 2, start: "08:00", end: "08:30" })];
    expect(show(generateSlots(rules, [], london, "2026-12-07", "2026-12-07")).map((s) => s.slice(11, 16))).toEqual([
      "08:00",
      "08:15",
      "14:00",
      "14:15",
    ]);
  });

  test("a range generated a day at a time gives exactly the slots of the whole range", () => {
    const rules = [
      rule({ weekdays: [1, 3, 5, 6], everyWeeks: 2, validFrom: "2026-10-01" }),
      rule({ id: 2, doctor: "doc2", nthOfMonth: [2, -1] }),
    ];
    const leave = [exception({ fromDate: "2026-10-20", toDate: "2026-11-03" })];
    const whole = generateSlots(rules, leave, london, "2026-10-01", "2026-11-30");
    const pieces: DatedSlot[] = [];
    for (
      let d = Temporal.PlainDate.from("2026-10-01");
      Temporal.PlainDate.compare(d, "2026-11-30") <= 0;
      d = d.add({ days: 1 })
    )
      pieces.push(...generateSlots(rules, leave, london, d.toString(), d.toString()));
    expect(pieces).toEqual(whole);
    expect(whole.length).toBeGreaterThan(50);
  });

  test("an empty range (to before from) gives nothing, and a range beyond the limit is a bug that throws", () => {
    expect(generateSlots([rule()], [], london, "2026-12-08", "2026-12-07")).toEqual([]);
    expect(() => generateSlots([rule()], [], london, "2000-01-01", "2030-01-01")).toThrow(/more than/);
  });
});

test("a zone whose offset had seconds (Africa/Monrovia, -00:44:30 until 1972) still lists slots in time order", () => {
  const rules = [rule({ doctor: "doc2" }), rule({ id: 2, start: "09:05", end: "09:35" })];
  const slots = generateSlots(rules, [], "Africa/Monrovia", "1971-06-01", "1971-06-02");
  expect(slots.length).toBe(12);
  expect(slots[0]!.startMs).toBe(Date.parse("1971-06-01T09:44:30Z"));
  expect(slots.every((s, i) => i === 0 || slots[i - 1]!.startMs <= s.startMs)).toBe(true);
});

describe("random rules, checked against their definition", () => {
  // A fixed seed: the same cases every run. Each rule has a doctor of its own, so every slot it should give is there.
  let seed = 2026;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const zones = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
  ];
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

  function randomRule(id: number): Rule {
    const minutes = [10, 15, 20, 30, 45, 60][random(6)]!;
    const start = random(80) * 15;
    const end = Math.min(start + minutes * (1 + random(8)), 1440);
    const weekdays = [...new Set([1 + random(7), 1 + random(7), 1 + random(7)])].sort();
    const kind = random(3);
    const validFrom = `2026-0${1 + random(9)}-1${random(10)}`;
    return rule({
      id,
      doctor: `doc${id}`,
      weekdays,
      start: hhmm(start),
      end: hhmm(end),
      minutes,
      everyWeeks: kind === 1 ? 2 + random(3) : 1,
      nthOfMonth: kind === 2 ? [[1], [2, 4], [-1], [5], [1, -1]][random(5)]! : [],
      validFrom: kind === 1 || random(2) === 0 ? validFrom : null,
      validUntil: random(3) === 0 ? "2026-11-20" : null,
    });
  }

  /** Does the rule apply on this date, by its definition, computed with Temporal's calendar. */
  function applies(r: Rule, date: Temporal.PlainDate): boolean {
    if (!r.weekdays.includes(date.dayOfWeek)) return false;
    if (r.validFrom !== null && Temporal.PlainDate.compare(date, r.validFrom) < 0) return false;
    if (r.validUntil !== null && Temporal.PlainDate.compare(date, r.validUntil) > 0) return false;
    if (r.everyWeeks > 1) {
      const from = Temporal.PlainDate.from(r.validFrom!);
      const monday = from.subtract({ days: from.dayOfWeek - 1 });
      const weeks = Math.floor(monday.until(date, { largestUnit: "day" }).days / 7);
      if (weeks % r.everyWeeks !== 0) return false;
    }
    if (r.nthOfMonth.length > 0) {
      const nth = Math.ceil(date.day / 7);
      const last = date.day + 7 > date.daysInMonth;
      if (!r.nthOfMonth.includes(nth) && !(last && r.nthOfMonth.includes(-1))) return false;
    }
    return true;
  }

  test("200 random rules over a year in six zones: each gives exactly its slots, in order, never overlapping", () => {
    let checkedDays = 0;
    for (let round = 0; round < 40; round++) {
      const zone = zones[random(zones.length)]!;
      const rules = Array.from({ length: 5 }, (_, i) => randomRule(round * 10 + i + 1));
      const slots = generateSlots(rules, [], zone, "2026-01-01", "2026-12-31");
      expect(slots.every((s, i) => i === 0 || slots[i - 1]!.startMs <= s.startMs)).toBe(true);
      for (const r of rules) {
        const mine = slots.filter((s) => s.doctor === r.doctor);
        expect(mine.every((s, i) => i === 0 || mine[i - 1]!.startMs + mine[i - 1]!.minutes * 60_000 <= s.startMs)).toBe(
          true,
        );
        const byDate = new Map<string, string[]>();
        for (const s of mine) {
          const z = Temporal.Instant.fromEpochMilliseconds(s.startMs).toZonedDateTimeISO(zone);
          const list = byDate.get(z.toPlainDate().toString()) ?? [];
          list.push(z.toPlainDateTime().toString().slice(11, 16));
          byDate.set(z.toPlainDate().toString(), list);
        }
        for (let d = Temporal.PlainDate.from("2026-01-01"); d.year === 2026; d = d.add({ days: 1 })) {
          const got = byDate.get(d.toString()) ?? [];
          if (!applies(r, d)) {
            expect(got).toEqual([]);
            continue;
          }
          // On a day of 24 hours every grid time exists once: the rule's whole grid.
          if (d.toZonedDateTime(zone).hoursInDay !== 24) continue;
          const want: string[] = [];
          for (let m = minuteOf(r.start); m + r.minutes <= minuteOf(r.end); m += r.minutes) want.push(hhmm(m));
          expect(got).toEqual(want);
          checkedDays++;
        }
      }
    }
    expect(checkedDays).toBeGreaterThan(1000);
  });
});

function minuteOf(time: string): number {
  return +time.slice(0, 2) * 60 + +time.slice(3, 5);
}

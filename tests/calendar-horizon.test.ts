// The rolling horizon, with the keeper's clock moved on (a real SQLite database of rules): a new day
// adds a day of slots and drops the past, ids stay what they were, a booked slot is carried over,
// and memory follows the horizon, not the days served.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "./helpers.ts";
import { Log } from "../shared/log.ts";
import { SlotTable } from "../shared/slot-table.ts";
import { CalendarKeeper } from "../roles/healthcenterserver/booking/calendar-keeper.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import {
  bumpVersion,
  calendarVersion,
  doctorNumber,
  insertRule,
  loadCalendar,
} from "../roles/healthcenterserver/store/calendar-records.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const zone = "America/New_York";

test("a new day extends the horizon without a restart; ids are stable and a booking is carried over", async () => {
  const db = await openCalendarDb({ kind: "sqlite", path: join(tmp.dir, "horizon.db") }, undefined);
  const rule = { weekdays: [1, 2, 3, 4, 5, 6, 7], start: "09:00", end: "12:00", minutes: 30, everyWeeks: 1 };
  await insertRule(db, (await doctorNumber(db, "doc1", 41000))!, {
    ...rule,
    nthOfMonth: [],
    validFrom: null,
    validUntil: null,
  });
  await bumpVersion(db);
  let now = Date.parse("2031-03-06T20:00:00Z"); // evening of Thursday 6 March in New York
  const schedule = new Schedule(SlotTable.fromSlots([]));
  const source = { load: () => loadCalendar(db), version: () => calendarVersion(db) };
  const keeper = new CalendarKeeper(
    schedule,
    source,
    zone,
    1,
    new Log({ quiet: true }),
    await source.load(),
    () => now,
  );
  keeper.initial([]);
  const dates = () => schedule.slots.toArray().map((s) => s.time.split(" ")[1]!);
  expect(new Set(dates())).toEqual(
    new Set(["2031-03-07", "2031-03-08", "2031-03-09", "2031-03-10", "2031-03-11", "2031-03-12"]),
  );
  expect(schedule.slots.length).toBe(36);
  const before = new Map(schedule.slots.toArray().map((s) => [`${s.time}`, s.index]));
  const booked = before.get("10:00 2031-03-08")!;
  expect(schedule.reserve(booked, "patient1")).toBe(true);

  now += 24 * 3_600_000; // Friday evening: today is the 7th, the horizon runs to the 13th
  keeper.refresh();
  expect(dates()[0]).toBe("2031-03-08");
  expect(dates().at(-1)).toBe("2031-03-13");
  expect(schedule.slots.length).toBe(36);
  for (const s of schedule.slots.toArray()) if (before.has(s.time)) expect(s.index).toBe(before.get(s.time)!);
  expect(schedule.holderOf(booked)).toBe("patient1");
  // Across the spring-forward night of 9 March the slots keep their wall-clock times, in real hours.
  const sunday = schedule.slots.toArray().filter((s) => s.time.endsWith("2031-03-09"));
  expect(sunday.map((s) => s.time.split(" ")[0])).toEqual(["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]);

  now = Date.parse("2031-03-09T16:00:00Z"); // Sunday, after the booked Saturday slot is over
  keeper.refresh();
  expect(schedule.holderOf(booked)).toBeUndefined();
  expect(schedule.position(booked)).toBeUndefined();
  expect(schedule.slots.length).toBeLessThanOrEqual(42);
  await db.close();
});

test("a held slot stays in memory until its booked span is over (its type's length and after buffer)", async () => {
  const db = await openCalendarDb({ kind: "sqlite", path: join(tmp.dir, "span.db") }, undefined);
  const rule = { weekdays: [1, 2, 3, 4, 5, 6, 7], start: "09:00", end: "12:00", minutes: 30, everyWeeks: 1 };
  await insertRule(db, (await doctorNumber(db, "doc1", 41000))!, {
    ...rule,
    nthOfMonth: [],
    validFrom: null,
    validUntil: null,
  });
  await bumpVersion(db);
  let now = Date.parse("2031-03-06T20:00:00Z");
  const schedule = new Schedule(SlotTable.fromSlots([]));
  const source = { load: () => loadCalendar(db), version: () => calendarVersion(db) };
  const keeper = new CalendarKeeper(
    schedule,
    source,
    zone,
    1,
    new Log({ quiet: true }),
    await source.load(),
    () => now,
  );
  keeper.initial([]);
  const at = (time: string) => schedule.slots.toArray().find((s) => s.time === `${time} 2031-03-07`)!.index;
  // On the 30-minute grid: 09:00 booked as 60 minutes, 10:00 as 30 with 15 after.
  const [long, buffered] = [at("09:00"), at("10:00")];
  expect(schedule.reserve(long, "patient1", { type: "long", minutes: 60, before: 0, after: 0 })).toBe(true);
  expect(schedule.reserve(buffered, "patient2", { type: "tidy", minutes: 30, before: 0, after: 15 })).toBe(true);
  const start = (time: string) => Date.parse(`2031-03-07T${time}:00-05:00`);
  now = start("09:40"); // the 60-minute appointment runs until 10:00
  keeper.refresh();
  expect(schedule.holderOf(long)).toBe("patient1");
  expect(schedule.spans.spanOf(long)?.minutes).toBe(60);
  now = start("10:40"); // 10:00's span blocks until 10:45
  keeper.refresh();
  expect(schedule.holderOf(long)).toBeUndefined();
  expect(schedule.holderOf(buffered)).toBe("patient2");
  now = start("11:00"); // the next start on the grid: memory is rebuilt, and 10:00's span is over
  keeper.refresh();
  expect(schedule.holderOf(buffered)).toBeUndefined();
  await db.close();
});

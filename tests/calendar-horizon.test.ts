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

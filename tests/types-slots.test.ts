// Appointment types on the wire (SQLite): `types`, `slots type=`, `selection <id> type=`; a doctor's
// time cut into each type's length; a booked appointment blocking its length and buffers whatever is
// booked beside it, in memory and in the database's transaction; and calls without type= unchanged.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, login, runToEnd, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, localStart, within, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

function types(db: string[], ...args: string[]) {
  return runToEnd([bun, "roles/healthcenterserver.ts", "types", ...args, ...db, "--time-zone", zone]);
}

const days = ["--days", "mon-sun"];
/** doc1 09:00-11:00 offers first (30, the default) and followup (15); doc2 09:00-12:00 followup (default) and long. */
async function typedClinic(name: string): Promise<string[]> {
  const db = ["--db", join(tmp.dir, `${name}.db`)];
  for (const t of [
    ["first", "--minutes", "30"],
    ["followup", "--minutes", "15"],
    ["long", "--minutes", "30", "--before", "5", "--after", "15"],
  ])
    expect((await types(db, "add", ...t)).code).toBe(0);
  const rule = (doctor: string, end: string, list: string, port: string) =>
    availability(db, "add", doctor, ...days, "--start", "09:00", "--end", end, "--types", list, "--port", port);
  expect((await rule("doc1", "11:00", "first,followup", "41000")).code).toBe(0);
  expect((await rule("doc2", "12:00", "followup,long", "42000")).code).toBe(0);
  return db;
}

const at = (doctor: number, day: string, time: string) => slotId(doctor, localStart(day, time).ms);
const line = (doctor: number, day: string, time: string, minutes: number) =>
  `${at(doctor, day, time)} ${localStart(day, time).iso} ${minutes} doc${doctor} ${40000 + doctor * 1000}`;
const times = (lines: string[]) => lines.map((l) => l.split(" ")[1]!.slice(11, 16));

function rows(db: string[], sql: string): unknown[][] {
  const d = new Database(db[1]!, { readonly: true });
  try {
    return d.query(sql).values() as unknown[][];
  } finally {
    d.close();
  }
}

test("slots are cut by each type's length; a 30-minute booking hides the 15-minute starts it covers; mine shows each length", async () => {
  const db = await typedClinic("cut");
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = localDate(1);
  const q = `from=${day} to=${day}`;
  expect(await listing(c, "types")).toEqual(["first 30", "followup 15", "long 30"]);
  // Without type=: each rule's default, at its length; with type=: that type's starts.
  const plain = await listing(c, `slots ${q} doctor=doc1`);
  expect(plain).toEqual(["09:00", "09:30", "10:00", "10:30"].map((t) => line(1, day, t, 30)));
  const followups = await listing(c, `slots ${q} doctor=doc1 type=followup`);
  expect(followups).toHaveLength(8);
  expect(followups[1]).toBe(line(1, day, "09:15", 15));
  const available = await c.available();
  expect(available.some((l) => l.startsWith(`${at(1, day, "09:15")} `))).toBe(false);
  expect(available).toContain(`${at(1, day, "09:30")} ${dayName(day)} 09:30 ${day}`);

  // 09:15 is not on first's grid: without a type it is invalid; as a follow-up it is booked.
  expect(await c.request(`selection ${at(1, day, "09:15")}`)).toBe("invalid");
  expect(await c.request(`selection ${at(1, day, "09:15")} type=followup`)).toBe("doc1 41000");
  expect(times(await listing(c, `slots ${q} doctor=doc1`))).toEqual(["09:30", "10:00", "10:30"]);
  expect((await c.available()).some((l) => l.startsWith(`${at(1, day, "09:00")} `))).toBe(false);
  expect(await c.request(`selection ${at(1, day, "09:00")} type=first`)).toBe("notavailable");
  expect(await c.request(`selection ${at(1, day, "09:00")} type=followup`)).toBe("doc1 41000");
  // A 30-minute first consultation at 10:00 hides the follow-ups at 10:00 and 10:15 (not 09:45 nor 10:30).
  const c2 = await login(server.port, "patient2", "password222");
  expect(await c2.request(`selection ${at(1, day, "10:00")}`)).toBe("doc1 41000");
  expect(times(await listing(c2, `slots ${q} doctor=doc1 type=followup`))).toEqual([
    "09:30",
    "09:45",
    "10:30",
    "10:45",
  ]);
  expect(await c2.request(`selection ${at(1, day, "10:15")} type=followup`)).toBe("notavailable");
  expect(await listing(c, "mine")).toEqual([line(1, day, "09:00", 15), line(1, day, "09:15", 15)]);
  expect(await listing(c2, "mine")).toEqual([line(1, day, "10:00", 30)]);
  expect(rows(db, "SELECT minutes, type, before_min, after_min FROM appointments ORDER BY start_ms")).toEqual([
    [15, "followup", 0, 0],
    [15, "followup", 0, 0],
    [30, "first", 0, 0],
  ]);

  // Bad types: one line naming the nearest, nothing booked.
  expect(await c.request(`selection ${at(1, day, "10:30")} type=folowup`)).toBe(
    'error unknown appointment type "folowup"; did you mean followup?',
  );
  expect(await c.request(`slots ${q} type=frist`)).toBe('error unknown appointment type "frist"; did you mean first?');
  expect(await c.request(`selection ${at(1, day, "10:30")} type=long`)).toBe("invalid");
  expect(rows(db, "SELECT count(*) FROM appointments")).toEqual([[3]]);
  await c.close();
  await c2.close();
}, 60_000);

test("buffers: a booking blocks [start - before, end + after); the database refuses an overlap even when memory would not", async () => {
  const db = await typedClinic("buffers");
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = localDate(1);
  const q = `from=${day} to=${day} doctor=doc2`;
  // long at 10:00 (5 before, 15 after) blocks 09:55-10:45.
  expect(await c.request(`selection ${at(2, day, "10:00")} type=long`)).toBe("doc2 42000");
  expect(times(await listing(c, `slots ${q}`))).toEqual([
    "09:00",
    "09:15",
    "09:30",
    "10:45",
    "11:00",
    "11:15",
    "11:30",
    "11:45",
  ]);
  expect(times(await listing(c, `slots ${q} type=long`))).toEqual(["09:00", "11:00", "11:30"]);
  expect((await listing(c, `slots ${q} type=long`))[1]).toBe(line(2, day, "11:00", 30));

  // Another process stores a long at 11:00 behind the server's back: memory still offers 11:15 as a
  // follow-up, and the database's check (with the buffers) refuses it in the transaction.
  const d = new Database(db[1]!);
  d.run(
    "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, type, before_min, after_min) " +
      "VALUES (2, ?, 30, 'patient3', 0, 'long', 5, 15)",
    [localStart(day, "11:00").ms],
  );
  d.close();
  expect(times(await listing(c, `slots ${q}`))).toContain("11:15");
  expect(await c.request(`selection ${at(2, day, "11:30")}`)).toBe("notavailable");
  expect(await c.request(`selection ${at(2, day, "11:45")}`)).toBe("doc2 42000");
  expect(rows(db, "SELECT patient, type FROM appointments WHERE doctor = 2 ORDER BY start_ms")).toEqual([
    ["patient1", "long"],
    ["patient3", "long"],
    ["patient1", "followup"],
  ]);
  await c.close();
}, 60_000);

test("reschedule keeps the appointment's type where the target offers it; its own old span is no obstacle", async () => {
  const db = await typedClinic("move");
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = localDate(1);
  // long (30, 5 before, 15 after) at 10:00 moved to 10:30: its new span meets only its old one.
  expect(await c.request(`selection ${at(2, day, "10:00")} type=long`)).toBe("doc2 42000");
  expect(await c.request(`reschedule ${at(2, day, "10:00")} ${at(2, day, "10:30")}`)).toBe("doc2 42000");
  expect(rows(db, "SELECT start_ms, type, minutes, before_min, after_min FROM appointments")).toEqual([
    [localStart(day, "10:30").ms, "long", 30, 5, 15],
  ]);
  expect(await listing(c, "mine")).toEqual([line(2, day, "10:30", 30)]);
  // first (doc1's default, 30) cannot start at 09:15: a move there is invalid and changes nothing.
  expect(await c.request(`selection ${at(1, day, "09:00")}`)).toBe("doc1 41000");
  expect(await c.request(`reschedule ${at(1, day, "09:00")} ${at(1, day, "09:15")}`)).toBe("invalid");
  expect(rows(db, "SELECT count(*) FROM appointments WHERE doctor = 1 AND type = 'first'")).toEqual([[1]]);
  await c.close();
}, 60_000);

test("a type's new length shows on a running server within a second; what was booked keeps its length", async () => {
  const db = await typedClinic("change");
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = localDate(1);
  expect(await c.request(`selection ${at(1, day, "09:00")}`)).toBe("doc1 41000");
  expect((await types(db, "add", "first", "--minutes", "20")).code).toBe(0);
  const took = await within(100, async () =>
    (await listing(c, `slots from=${day} to=${day} doctor=doc1 limit=1`)).join().includes(" 20 doc1"),
  );
  expect(took).toBeLessThan(1000);
  expect(times(await listing(c, `slots from=${day} to=${day} doctor=doc1`))).toEqual([
    "09:40",
    "10:00",
    "10:20",
    "10:40",
  ]);
  expect(await listing(c, "mine")).toEqual([line(1, day, "09:00", 30)]);
  await c.close();
}, 60_000);

function dayName(date: string): string {
  return ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][Temporal.PlainDate.from(date).dayOfWeek]!;
}

test("the staff page lists the clinic's appointment types, and a new one within a second", async () => {
  const db = await typedClinic("staff");
  const server = await startServer([...db, "--time-zone", zone, "--http", "127.0.0.1:0"]);
  running.push(server);
  const http = Number((await server.stdout.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  // Polled faster than the page's schedule budget allows, a read may be turned away (503): asked again.
  const note = async () => {
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`http://127.0.0.1:${http}/api/schedule`);
      if (res.status !== 503) return ((await res.json()) as { note?: string }).note ?? "";
      await Bun.sleep(50);
    }
    throw new Error("the schedule was refused 40 times in a row");
  };
  expect(await note()).toBe(
    `Times in ${zone}. Appointment types: first 30 min, followup 15 min, long 30 min (5 before, 15 after).`,
  );
  expect((await types(db, "add", "vacc", "--minutes", "5")).code).toBe(0);
  expect(await within(100, async () => (await note()).includes("vacc 5 min"))).toBeLessThan(1000);
}, 60_000);

test("ics gives each appointment the length it was booked with, not the slot's default", async () => {
  const db = await typedClinic("ics");
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = localDate(1);
  // 09:00 on doc1's grid defaults to first (30); booked as a 15-minute follow-up. 10:00 as first, then
  // first's length changes to 20: what was booked keeps its 30 minutes, as `mine` says.
  expect(await c.request(`selection ${at(1, day, "09:00")} type=followup`)).toBe("doc1 41000");
  expect(await c.request(`selection ${at(1, day, "10:00")}`)).toBe("doc1 41000");
  expect((await types(db, "add", "first", "--minutes", "20")).code).toBe(0);
  await within(100, async () =>
    (await listing(c, `slots from=${day} to=${day} doctor=doc1 limit=1`)).join().includes(" 20 doc1"),
  );
  expect(await listing(c, "mine")).toEqual([line(1, day, "09:00", 15), line(1, day, "10:00", 30)]);
  const events = (await listing(c, "ics")).filter((l) => l.startsWith("event "));
  expect(events.map((e) => e.split(" ").slice(3, 6))).toEqual([
    [String(at(1, day, "09:00")), localStart(day, "09:00").iso, "15"],
    [String(at(1, day, "10:00")), localStart(day, "10:00").iso, "30"],
  ]);
  await c.close();
}, 60_000);

test("a booking the database refuses for another appointment's overlap leaves no phantom holder in memory", async () => {
  const db = await typedClinic("phantom");
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = localDate(1);
  // patient2's long at 11:00 (blocks 10:55-11:45) stored by another writer; memory does not know it.
  const d = new Database(db[1]!);
  d.run(
    "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, type, before_min, after_min) " +
      "VALUES (2, ?, 30, 'patient2', 0, 'long', 5, 15)",
    [localStart(day, "11:00").ms],
  );
  d.close();
  expect(await c.request(`selection ${at(2, day, "11:30")}`)).toBe("notavailable");
  // 11:30 is not patient2's: nobody holds it (the database has no appointment starting there).
  const c3 = await login(server.port, "patient2", "password222");
  expect(await listing(c3, "mine")).toEqual([]);
  expect(await c3.request(`cancel ${at(2, day, "11:30")}`)).not.toBe("cancelled");
  await c.close();
  await c3.close();
}, 60_000);

// The staff page on a calendar: days labelled with their dates in calendar order, the clinic's zone
// and leave in the note, and a booking left outside availability (--keep-booked) in a row of its own.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { login, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, rule_doc1, within, zone } from "./calendar-helpers.ts";

const tmp = tempDir();
let server: Running | undefined;
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

type Snapshot = { days: string[]; times: string[]; note?: string; cells: number[][] };

test("the staff page shows dated days in order, the zone, leave, and a booking outside availability", async () => {
  const db = ["--db", join(tmp.dir, "staff.db")];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  server = await startServer([...db, "--time-zone", zone, "--http", "127.0.0.1:0"]);
  const http = Number((await server.stdout.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  // Polled faster than the page's schedule budget allows (20 a second), a read may be turned away (503): asked again.
  const snapshot = async () => {
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`http://127.0.0.1:${http}/api/schedule`);
      if (res.status !== 503) return (await res.json()) as Snapshot;
      await Bun.sleep(50);
    }
    throw new Error("the schedule was refused 40 times in a row");
  };
  const first = await snapshot();
  expect(first.note).toBe(`Times in ${zone}.`);
  const dates = first.days.map((d) => d.slice(0, 10));
  expect(dates).toEqual([...dates].sort());
  expect(first.days).toContain(`${localDate(1)} ${dayName(localDate(1))}`);
  expect(first.times).toContain("09:00");

  const day = localDate(2);
  const c = await login(server.port);
  const [line] = await listing(c, `slots from=${day} to=${day} limit=1`);
  expect(await c.request(`selection ${line!.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
  const away = await availability(db, "except", "doc1", "--from", day, "--reason", "training", "--keep-booked");
  expect(away.code).toBe(0);
  await within(100, async () => ((await snapshot()).note ?? "").includes("Away"));
  const after = await snapshot();
  expect(after.note).toBe(`Times in ${zone}. Away: doc1 ${day}..${day} (training).`);
  const outside = after.times.indexOf("09:00 outside availability");
  expect(outside).not.toBe(-1);
  const dayId = after.days.indexOf(`${day} ${dayName(day)}`);
  // [cell, doctor, day, time, slots, booked]: the kept booking's cell, booked.
  expect(after.cells.some((cell) => cell[2] === dayId && cell[3] === outside && cell[5] === 1)).toBe(true);
});

function dayName(date: string): string {
  return ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][Temporal.PlainDate.from(date).dayOfWeek]!;
}

// Issue 23's race: 50 connections book the last slot of a type while an operator changes its length.
// doc1 offers `first` 09:00-10:00; 09:00 is booked, so the last start is 09:30 (30 minutes) until the
// length becomes 20, when it is 09:40: the two overlap, so whatever memory believes during the change
// at most one may be stored. One winner, and no two appointments of the doctor meet in the database
// (checked with SQL), on SQLite and on PostgreSQL. And two servers on one PostgreSQL block the same
// spans: the other's typed booking is read with its type, length and buffers.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, login, runToEnd, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, localDate, localStart, zone } from "./calendar-helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const tmp = tempDir();
const found = postgresBin();
let pg: Postgres | undefined;
const running: Running[] = [];
beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(async () => {
  for (const r of running) await r.stop();
  pg?.stop();
  tmp.cleanup();
}, 60_000);

const types = (db: string[], ...args: string[]) =>
  runToEnd([bun, "roles/healthcenterserver.ts", "types", ...args, ...db, "--time-zone", zone]);

/** Pairs of appointments of one doctor whose blocked spans meet: must be none. */
const overlaps_sql =
  "SELECT count(*) FROM appointments a JOIN appointments b ON a.doctor = b.doctor AND a.start_ms < b.start_ms " +
  "AND a.start_ms + (a.minutes + a.after_min) * 60000 > b.start_ms - b.before_min * 60000";

async function race(db: string[], query: (sql: string) => string): Promise<void> {
  expect((await types(db, "add", "first", "--minutes", "30")).code).toBe(0);
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "10:00", "--types", "first"];
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
  const server = await startServer([...db, "--time-zone", zone, "--bookings-per-patient", "0"]);
  running.push(server);
  const day = localDate(1);
  const id = (time: string) => slotId(1, localStart(day, time).ms);
  const first = await login(server.port, "patient2", "password222");
  expect(await first.request(`selection ${id("09:00")}`)).toBe("doc1 41000");

  const users = [1, 2].map((n) => [`patient${n}`, `password${n}${n}${n}`] as const);
  const clients = await Promise.all(
    Array.from({ length: 50 }, (_, i) => login(server.port, users[i % 2]![0], users[i % 2]![1])),
  );
  // --keep-booked: a 09:30 already won is not on the new grid (it stays, outside availability).
  const change = types(db, "add", "first", "--minutes", "20", "--keep-booked");
  let changed = false;
  let seen = false; // the new grid shown: 09:40 answered otherwise than invalid
  void change.then(() => (changed = true));
  // Each connection alternates between the two last starts until the change has shown on the server (bounded).
  const replies = await Promise.all(
    clients.map(async (c, i) => {
      const got: string[] = [];
      for (let k = 0; k < 300 && !(changed && seen && got.length >= 8); k++) {
        const time = (i + k) % 2 === 0 ? "09:30" : "09:40";
        got.push(`${time} ${await c.request(`selection ${id(time)} type=first`)}`);
        if (time === "09:40" && !got.at(-1)!.endsWith("invalid")) seen = true;
        await Bun.sleep(10);
      }
      return got;
    }),
  );
  expect((await change).code).toBe(0);
  const all = replies.flat();
  expect(all.filter((r) => r.endsWith(" doc1 41000"))).toHaveLength(1);
  expect(all.every((r) => / (doc1 41000|notavailable|invalid)$/.test(r))).toBe(true);
  // Both grids were met during the run: 09:40 was in the schedule (taken or blocked), not only invalid.
  expect(all.some((r) => r.startsWith("09:40 ") && !r.endsWith("invalid"))).toBe(true);
  expect(query(overlaps_sql)).toBe("0");
  expect(query("SELECT count(*) FROM appointments")).toBe("2");
  for (const c of [first, ...clients]) await c.close();
}

test("50 connections book the last slot of a type while its length changes: one winner, no overlap (SQLite)", async () => {
  const path = join(tmp.dir, "race.db");
  await race(["--db", path], (sql) => {
    const d = new Database(path, { readonly: true });
    try {
      return String((d.query(sql).values() as unknown[][])[0]![0]);
    } finally {
      d.close();
    }
  });
}, 120_000);

test("50 connections book the last slot of a type while its length changes: one winner, no overlap (PostgreSQL)", async () => {
  if (!pg) return console.warn(`skipped: ${"missing" in found ? found.missing : ""}`);
  pg.createDatabase("race");
  await race(["--db", pg.url("race"), "--db-password-file", pg.passwordFile], (sql) => pg!.psql("race", sql).trim());
}, 120_000);

test("two servers on one PostgreSQL: a typed booking on one blocks its span (buffers included) on the other", async () => {
  if (!pg) return console.warn(`skipped: ${"missing" in found ? found.missing : ""}`);
  pg.createDatabase("follow");
  const db = ["--db", pg.url("follow"), "--db-password-file", pg.passwordFile];
  expect((await types(db, "add", "followup", "--minutes", "15")).code).toBe(0);
  expect((await types(db, "add", "long", "--minutes", "30", "--before", "15", "--after", "15")).code).toBe(0);
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "12:00", "--types", "followup,long"];
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
  const [a, b] = await Promise.all([0, 1].map(() => startServer([...db, "--time-zone", zone])));
  running.push(a!, b!);
  const day = localDate(1);
  const id = (time: string) => slotId(1, localStart(day, time).ms);
  const ca = await login(a!.port);
  const cb = await login(b!.port, "patient2", "password222");
  const free = async () => {
    cb.write(`slots from=${day} to=${day}\n`);
    const lines: string[] = [];
    for (let l = await cb.line(); l; l = await cb.line()) lines.push(l.split(" ")[1]!.slice(11, 16));
    return lines;
  };
  expect(await free()).toHaveLength(12);
  // long at 10:00 blocks 09:45-10:45: B stops offering the follow-ups at 09:45, 10:00, 10:15 and 10:30.
  expect(await ca.request(`selection ${id("10:00")} type=long`)).toBe("doc1 41000");
  for (let i = 0; i < 100 && (await free()).length !== 8; i++) await Bun.sleep(20);
  expect(await free()).toEqual(["09:00", "09:15", "09:30", "10:45", "11:00", "11:15", "11:30", "11:45"]);
  expect(await cb.request(`selection ${id("10:30")}`)).toBe("notavailable");
  for (const c of [ca, cb]) await c.close();
}, 120_000);

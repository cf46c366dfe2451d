// A booking that lands between an availability edit's commit and the running server following it (it polls
// the rules' version every 250 ms) is refused, not stored where the doctor no longer works. The edit checked,
// in its transaction, that no booked appointment lost its slot; before, a booking confirmed in that moment was
// stored on a slot the edit had just removed (`remove r1` said "-4 slots" and named nobody), over TCP here.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { login, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, localStart, within, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

test("a booking between an edit's commit and the server following it is refused; nothing is stored", async () => {
  const path = join(tmp.dir, "race.db");
  const db = ["--db", path];
  // doc1's afternoons keep the calendar going while a morning rule of one day comes and goes.
  const keep = ["add", "doc1", "--days", "mon-sun", "--start", "13:00", "--end", "14:00", "--minutes", "15"];
  expect((await availability(db, ...keep, "--port", "41000")).code).toBe(0);
  const server = await startServer([...db, "--time-zone", zone, "--bookings-per-patient", "0"]);
  running.push(server);
  const c = await login(server.port);
  const file = new Database(path, { readonly: true });
  const version = () => (file.query("SELECT version FROM calendar_state").get() as { version: number }).version;
  const replies: string[] = [];
  // Bounded: each round meets the moment (the reply is not `invalid`) unless the server followed the edit
  // before the booking arrived; a few rounds are enough.
  for (let round = 1; round <= 20 && !replies.some((r) => r !== "invalid"); round++) {
    const day = localDate(round + 1);
    const id = slotId(1, localStart(day, "09:00").ms);
    const rule = ["add", "doc1", "--valid-from", day, "--valid-until", day, "--days", "mon-sun"];
    const added = await availability(db, ...rule, "--start", "09:00", "--end", "10:00", "--minutes", "15");
    expect(added.code).toBe(0);
    await within(100, async () => (await listing(c, `slots from=${day} to=${day} doctor=doc1`)).length === 4);
    const ruleId = /^ {2}(r\d+) {2}doc1 mon-sun 09:00/m.exec((await availability(db, "list")).stdout)![1]!;
    const before = version();
    const removed = availability(db, "remove", ruleId);
    for (let i = 0; i < 20_000 && version() === before; i++) await Bun.sleep(1);
    replies.push((await c.request(`selection ${id}`)) ?? "closed");
    expect((await removed).code).toBe(0);
    const at = localStart(day, "09:00").ms;
    const stored = file.query("SELECT count(*) AS n FROM appointments WHERE start_ms = ?").get(at) as { n: number };
    expect({ reply: replies.at(-1), stored: stored.n }).toEqual({ reply: expect.any(String), stored: 0 });
  }
  // The moment was met at least once, and answered as taken: never confirmed.
  expect(replies.filter((r) => r !== "invalid")).toEqual(["notavailable"]);
  expect(replies.some((r) => r.startsWith("doc1"))).toBe(false);
  file.close();
  c.close();
});

// An edit of availability is refused while it would leave a booked appointment without its slot, however far
// ahead the appointment is. A server may run a longer horizon (--horizon-weeks, up to 104) than the 8 weeks an
// edit's report counts; before, the check looked at those 8 weeks only, so removing a rule (or marking leave)
// stranded a booking 10 weeks ahead without a word, and a zone change called it "no longer on a slot".
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, login, runToEnd, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, firstAndFollowup, listing, localDate, operator, rule_doc1, zone } from "./calendar-helpers.ts";

const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

/** A database with doc1's rule and patient1's booking at 09:00, 70 days ahead (past 8 weeks), made over TCP. */
async function bookedFarAhead(name: string): Promise<{ db: string[]; day: string }> {
  const db = ["--db", join(tmp.dir, `${name}.db`)];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  const server = await startServer([...db, "--time-zone", zone, "--horizon-weeks", "12"]);
  running.push(server);
  const day = localDate(70);
  const c = await login(server.port);
  const [line] = await listing(c, `slots from=${day} to=${day} limit=1`);
  expect(line).toContain(`${day}T09:00`);
  expect(await c.request(`selection ${line!.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
  return { db, day };
}

const dayName = (day: string) =>
  ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][Temporal.PlainDate.from(day).dayOfWeek - 1];

const title = "an edit that strands a booking past the report's 8 weeks is refused naming it; --keep-booked keeps it";
test(title, async () => {
  const { db, day } = await bookedFarAhead("strand");
  const named = `patient1 ${dayName(day)} ${day} 09:00 doc1`;
  for (const edit of [
    ["remove", "r1"],
    ["except", "doc1", "--from", day, "--reason", "leave"],
  ]) {
    const refused = await availability(db, ...edit);
    expect([refused.code, refused.stderr.trim().split("\n").length]).toEqual([2, 1]);
    expect(refused.stderr).toContain(named);
    const dry = await availability(db, ...edit, "--dry-run");
    expect([dry.code, dry.stdout]).toEqual([0, expect.stringContaining(named)]);
  }
  const list = await availability(db, "list");
  expect(list.stdout).toContain(" r1 ");
  expect(list.stdout).not.toContain(" e1 ");
  const kept = await availability(db, "except", "doc1", "--from", day, "--keep-booked");
  expect([kept.code, kept.stdout]).toEqual([0, expect.stringContaining(`are now outside availability:\n  ${named}`)]);
  // An edit that leaves the booked slot where it was is not refused: a leave on another day.
  const other = await availability(db, "except", "doc1", "--from", localDate(71), "--reason", "leave");
  expect(other.code).toBe(0);
});

test("a zone change counts a booking past 8 weeks that keeps its slot as on a slot", async () => {
  const { db } = await bookedFarAhead("zone");
  // Dublin's clock is London's all year: the 09:00 booking is still on the 09:00 slot.
  const changed = await runToEnd([bun, "roles/healthcenterserver.ts", "availability", "zone", "Europe/Dublin", ...db]);
  expect([changed.code, changed.stderr]).toEqual([0, ""]);
  expect(changed.stdout).toContain("booked appointments keep their instants: 1 to come, 0 of them no longer on a slot");
});

test("a type's new length that leaves a booked start off its grid is refused, though another type starts there", async () => {
  const db = ["--db", join(tmp.dir, "typed.db")];
  const cli = (...args: string[]) => operator(db, ...args);
  await firstAndFollowup(db);
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const day = localDate(2);
  const c = await login(server.port);
  const [, second] = await listing(c, `slots from=${day} to=${day} limit=2`);
  expect(second).toContain(`${day}T09:30`);
  expect(await c.request(`selection ${second!.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
  // 20 minutes: first starts at 09:00, 09:20, 09:40 ..., no longer at 09:30, where followup still does.
  const named = `patient1 ${dayName(day)} ${day} 09:30 doc1`;
  const refused = await cli("types", "add", "first", "--minutes", "20");
  expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining(named)]);
  expect((await cli("types", "list")).stdout).toContain("first 30 min");
  // A length whose grid keeps 09:30 (15 minutes) is taken.
  const kept = await cli("types", "add", "first", "--minutes", "15");
  expect([kept.code, kept.stderr]).toEqual([0, ""]);
});

// A calendar file's times where the clock goes back: a wall time that happens twice names no one
// instant, so an event ending (or starting) in the repeated half hour must not be written as that
// ambiguous local time. Before, a 15-minute appointment at 01:45 (+11:00) on Lord Howe's April change
// ended "01:30 local", which RFC 5545 reads as the first 01:30: before its start. Over real sockets,
// read back by python3-icalendar (tests/ics-parse.py).
import { afterAll, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { bun, login, runPatient, runToEnd, startServer, tempDir, writeDataDir } from "./helpers.ts";
import { listing } from "./calendar-helpers.ts";
import { parseIcs } from "./notify-helpers.ts";

const tmp = tempDir();
const running: { kill(): void }[] = [];
afterAll(() => {
  for (const r of running) r.kill();
  tmp.cleanup();
});

/** The local date of the zone's next change that sets the clocks back, at least two days ahead. */
function nextFallBack(zone: string) {
  let t = Temporal.Now.zonedDateTimeISO(zone).add({ days: 2 });
  for (;;) {
    const next = t.getTimeZoneTransition("next")!;
    const before = Temporal.Instant.fromEpochMilliseconds(next.epochMilliseconds - 60_000).toZonedDateTimeISO(zone);
    if (next.offsetNanoseconds < before.offsetNanoseconds) return next;
    t = next;
  }
}

test("an appointment in Lord Howe's repeated half hour: the calendar file's end is after its start, 15 real minutes", async () => {
  const zone = "Australia/Lord_Howe";
  const change = nextFallBack(zone);
  const date = change.toPlainDate().toString();
  const weeks = Math.ceil((change.epochMilliseconds - Date.now()) / (7 * 86_400_000)) + 1;
  const data = await writeDataDir(join(tmp.dir, "data"), 1);
  chmodSync(join(data, "patient1.txt"), 0o600);
  const db = ["--db", join(tmp.dir, "cal.db"), "--time-zone", zone];
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "01:00", "--end", "03:00", "--minutes", "15"];
  const dates = ["--valid-from", date, "--valid-until", date, "--port", "41000"];
  const added = await runToEnd([bun, "roles/healthcenterserver.ts", "availability", ...rule, ...dates, ...db]);
  expect(added.code).toBe(0);
  const server = await startServer([...db, "--data", data, "--horizon-weeks", String(weeks)]);
  running.push(server.proc);
  const c = await login(server.port);
  const slots = (await listing(c, `slots from=${date} to=${date}`)).map((l) => l.split(" "));
  // The change is at 02:00 (+11:00), back to 01:30 (+10:30): the slots 01:30 and 01:45 (+11:00) end in
  // the repeated half hour, and 01:30-01:45 (+10:30) are not offered again.
  const inRepeat = slots.filter((s) => {
    const start = Temporal.Instant.from(s[1]!).epochMilliseconds;
    return start < change.epochMilliseconds && start + 15 * 60_000 > change.epochMilliseconds - 30 * 60_000;
  });
  expect(inRepeat.map((s) => s[1])).toEqual([`${date}T01:30+11:00`, `${date}T01:45+11:00`]);
  for (const s of inRepeat) expect(await c.request(`selection ${s[0]}`)).toBe("doc1 41000");
  c.close();

  const file = join(tmp.dir, "mine.ics");
  const run = await runPatient(["patient1", "--data", data, "--server", `127.0.0.1:${server.port}`, "--ics", file]);
  expect([run.code, run.stderr]).toEqual([0, ""]);
  const events = parseIcs([file]);
  expect(events).toHaveLength(2);
  for (const [i, e] of events.entries()) {
    const start = Temporal.Instant.from(inRepeat[i]![1]!);
    expect(e.utc).toBe(start.toString());
    expect(e.end_utc).toBe(Temporal.Instant.fromEpochMilliseconds(start.epochMilliseconds + 15 * 60_000).toString());
  }
});

// `healthcenterserver availability zone [ZONE]`: the zone recorded with the rules (calendar_state.zone)
// is shown, and changed in one transaction with its audit record. Before, an operator who gave the
// wrong zone on the first edit, or a clinic that moved, had no way out but an SQL UPDATE: every server,
// check and edit in the right zone was refused.
import { describe, expect, test } from "bun:test";
import { pgSubject, sqliteSubject, type Subject } from "./db-subjects.ts";
import { bun, login, runToEnd, startServer, tempDir } from "./helpers.ts";
import { listing } from "./calendar-helpers.ts";
import { postgresForFile } from "./pg-file.ts";

const tmp = tempDir();
const cluster = postgresForFile(() => tmp.cleanup());
const running = cluster.running;

const run = (args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", ...args]);
const rule = ["availability", "add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "12:00"];

async function changesTheZone(s: Subject) {
  const added = await run([...rule, "--minutes", "60", "--port", "41000", ...s.db, "--time-zone", "Asia/Kathmandu"]);
  expect(added.code).toBe(0);
  // A booking made while the zone was Kathmandu's: it keeps its instant through the change.
  const kathmandu = await startServer([...s.db, "--time-zone", "Asia/Kathmandu"]);
  const c = await login(kathmandu.port);
  const [slot] = await listing(c, "slots limit=1");
  expect(await c.request(`selection ${slot!.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
  const booked = s.sql("SELECT start_ms FROM appointments");
  const audits = Number(s.sql("SELECT count(*) FROM audit"));

  const shown = await run(["availability", "zone", ...s.db]);
  expect([shown.code, shown.stdout.split("\n")[0]]).toEqual([0, "the calendar's rules are in Asia/Kathmandu time"]);
  // A bad name: one line with the nearest, exit 2, nothing changed; so is a dry run.
  const typo = await run(["availability", "zone", "Europe/Londn", ...s.db]);
  expect([typo.code, typo.stderr.trim()]).toEqual([
    2,
    'error: unknown time zone "Europe/Londn" (an IANA name such as Europe/London); did you mean Europe/London?',
  ]);
  const flagged = await run(["availability", "zone", "--time-zone", "Europe/London", ...s.db]);
  expect([flagged.code, flagged.stderr]).toEqual([2, expect.stringContaining("not --time-zone")]);
  const dry = await run(["availability", "zone", "Europe/London", "--dry-run", ...s.db]);
  expect([dry.code, dry.stdout]).toEqual([0, expect.stringContaining("dry run, nothing changed: ")]);
  expect(s.sql("SELECT zone FROM calendar_state")).toBe("Asia/Kathmandu");
  expect(Number(s.sql("SELECT count(*) FROM audit"))).toBe(audits);

  const version = Number(s.sql("SELECT version FROM calendar_state"));
  const changed = await run(["availability", "zone", "Europe/London", "--reason", "set up in the wrong zone", ...s.db]);
  expect([changed.code, changed.stderr]).toEqual([0, ""]);
  expect(changed.stdout).toContain("the calendar's zone: Asia/Kathmandu -> Europe/London");
  expect(changed.stdout).toContain(
    "the rules' wall times stay (09:00 is 09:00 in Europe/London), so their instants move",
  );
  // Kathmandu's 09:00-12:00 is 03:15-06:15 UTC: the booking is off London's 09:00-12:00, listed, kept.
  expect(changed.stdout).toContain("booked appointments keep their instants: 1 to come, 1 of them no longer on a slot");
  expect(changed.stdout).toMatch(/\n {2}patient1 \w{3} \d{4}-\d\d-\d\d 0[3-6]:\d\d Europe\/London doc1\n/);
  expect(s.sql("SELECT zone FROM calendar_state")).toBe("Europe/London");
  expect(Number(s.sql("SELECT version FROM calendar_state"))).toBe(version + 1);
  expect(s.sql("SELECT start_ms FROM appointments")).toBe(booked);
  const audit = s.sql("SELECT action, subject, before, reason FROM audit ORDER BY seq DESC LIMIT 1");
  expect(audit).toBe(
    "availability.changed|zone Asia/Kathmandu -> Europe/London|zone Asia/Kathmandu|set up in the wrong zone",
  );
  expect((await run(["audit", "verify", ...s.db])).code).toBe(0);
  // A server still running in the old zone keeps it, and says so once it sees the change.
  const warned = /the calendar's zone was changed to Europe\/London \(availability zone\): this server still reads/;
  await kathmandu.stderr.waitFor(warned);
  await kathmandu.stop();

  // The old zone is now the refused one, and the refusal names the command; the new one serves 09:00 London.
  const old = await run(["check", ...s.db, "--time-zone", "Asia/Kathmandu"]);
  const pgCheck = s.db[1]!.startsWith("postgres");
  if (!pgCheck) {
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("in Europe/London time, not Asia/Kathmandu");
    expect(old.stderr).toContain("healthcenterserver availability zone ZONE");
  }
  const refused = await run(["availability", "list", ...s.db, "--time-zone", "Asia/Kathmandu"]);
  expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining("availability zone ZONE")]);
  const london = await startServer([...s.db, "--time-zone", "Europe/London"]);
  running.push(london);
  const l = await login(london.port);
  expect((await listing(l, "slots limit=1"))[0]).toMatch(/T(09|10|11):00(\+00:00|\+01:00)? /);
  expect((await listing(l, "mine")).length).toBe(1);
  l.close();
  // The same zone again changes nothing and says so.
  const same = await run(["availability", "zone", "Europe/London", ...s.db]);
  expect([same.code, same.stdout.trim()]).toEqual([
    0,
    "the calendar's rules are already in Europe/London time: nothing changed",
  ]);
}

describe("availability zone", () => {
  test("SQLite: shows the recorded zone, changes it with its audit record; bad names and dry runs change nothing", async () => {
    await changesTheZone(sqliteSubject(tmp.dir, "zone"));
  });

  cluster.pgTest(
    "PostgreSQL: shows the recorded zone, changes it with its audit record; bad names and dry runs change nothing",
    async () => {
      await changesTheZone(pgSubject(cluster.pg, "zone_change"));
    },
  );

  test("a database with no zone recorded: shown as none, and the command records one", async () => {
    const s = sqliteSubject(tmp.dir, "unrecorded");
    expect((await run([...rule, "--minutes", "60", "--port", "41000", ...s.db])).code).toBe(0);
    const shown = await run(["availability", "zone", ...s.db]);
    expect(shown.stdout).toStartWith("no zone is recorded with the calendar's rules");
    expect((await run(["availability", "zone", "america/new_york", ...s.db])).code).toBe(0);
    expect(s.sql("SELECT zone FROM calendar_state")).toBe("America/New_York");
  });
});

test("a zone change that leaves more appointments off the slots than it lists names 50 and counts the rest", async () => {
  const s = sqliteSubject(tmp.dir, "many");
  const added = await run([...rule, "--minutes", "60", "--port", "41000", ...s.db, "--time-zone", "Asia/Kathmandu"]);
  expect(added.code).toBe(0);
  const server = await startServer([...s.db, "--time-zone", "Asia/Kathmandu", "--bookings-per-patient", "0"]);
  const c = await login(server.port);
  const slots = await listing(c, "slots limit=60");
  expect(slots.length).toBe(60);
  for (const slot of slots) expect(await c.request(`selection ${slot.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
  await server.stop();
  const changed = await run(["availability", "zone", "Europe/London", ...s.db]);
  expect(changed.code).toBe(0);
  expect(changed.stdout).toContain(
    "booked appointments keep their instants: 60 to come, 60 of them no longer on a slot",
  );
  expect(changed.stdout.split("\n").filter((l) => /^ {2}patient1 /.test(l)).length).toBe(50);
  expect(changed.stdout).toContain("\n  and 10 more\n");
  expect(s.sql("SELECT length(after) < 8000 FROM audit ORDER BY seq DESC LIMIT 1")).toBe("1");
});

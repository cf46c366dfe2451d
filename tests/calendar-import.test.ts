// `availability import`: a classic weekday file becomes weekly rules, and the bookings made on it
// move to their dated slots (the first matching date from --from); a second rule that overlaps a
// doctor's first is refused, naming both.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { login, root, startServer, tempDir } from "./helpers.ts";
import { availability, listing, localDate, localStart, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function firstOnOrAfter(date: string, weekday: number): string {
  let d = Temporal.PlainDate.from(date);
  while (d.dayOfWeek !== weekday) d = d.add({ days: 1 });
  return d.toString();
}

test("import turns the seed's weekday file into rules and carries its bookings over to dated slots", async () => {
  const db = ["--db", join(tmp.dir, "import.db")];
  const classic = await startServer(db);
  const p1 = await login(classic.port);
  expect(await p1.request("selection 1")).toBe("doc1 41000"); // 1 Tue 01pm doc1
  const p2 = await login(classic.port, "patient2", "password222");
  expect(await p2.request("selection 2")).toBe("doc2 42000"); // 2 Mon 03pm doc2
  p1.close();
  p2.close();
  await classic.stop();

  const from = localDate(1);
  const file = join(root, "fixtures", "availabilities.txt");
  const dry = await availability(db, "import", file, "--from", from, "--dry-run");
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain("dry run, nothing changed");
  const imported = await availability(db, "import", file, "--from", from);
  expect(imported.code).toBe(0);
  expect(imported.stdout).toContain("6 weekly rules");
  expect(imported.stdout).toContain("2 booking(s) carried over to their dated slots");
  const listed = (await availability(db, "list")).stdout;
  expect(listed).toContain("r1  doc1 tue 13:00-14:00, 60 min");
  // The two weeks' table lines up: every row's doc2 column starts under the header's.
  const table = listed.split("Next two weeks:\n")[1]!.trimEnd().split("\n");
  expect(table).toHaveLength(15);
  const column = table[0]!.indexOf("doc2");
  for (const row of table.slice(1)) expect(row.slice(column - 2, column + 1)).toMatch(/^ {2}[-0-9]$/);

  const server = await startServer([...db, "--time-zone", zone]);
  try {
    const tuesday = localStart(firstOnOrAfter(from, 2), "13:00");
    const monday = localStart(firstOnOrAfter(from, 1), "15:00");
    const c = await login(server.port);
    expect(await listing(c, "mine")).toEqual([`${slotId(1, tuesday.ms)} ${tuesday.iso} 60 doc1 41000`]);
    const d = await login(server.port, "patient2", "password222");
    expect(await listing(d, "mine")).toEqual([`${slotId(2, monday.ms)} ${monday.iso} 60 doc2 42000`]);
    // The carried-over slot is taken: not offered to anyone else.
    const day = tuesday.iso.slice(0, 10);
    expect((await listing(d, `slots from=${day} to=${day} doctor=doc1`)).join("\n")).not.toContain(tuesday.iso);
    c.close();
    d.close();
  } finally {
    await server.stop();
  }
});

test("a rule that overlaps one of the same doctor is refused, naming both; nothing changes", async () => {
  const db = ["--db", join(tmp.dir, "overlap.db")];
  const base = ["--days", "mon-fri", "--minutes", "15", "--port", "41000"];
  expect((await availability(db, "add", "doc1", "--start", "09:00", "--end", "12:00", ...base)).code).toBe(0);
  const r = await availability(db, "add", "doc1", "--start", "11:00", "--end", "13:00", ...base);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/rule 2 .*overlaps rule 1/);
  // The first date they meet is the first weekday from today, not one in 2000.
  let first = Temporal.PlainDate.from(localDate(0));
  while (first.dayOfWeek > 5) first = first.add({ days: 1 });
  expect(r.stderr.trim()).toEndWith(` on ${first}`);
  expect((await availability(db, "list")).stdout.match(/^ {2}r\d+ /gm)).toEqual(["  r1 "]);
});

test("a classic slot whose appointment ends at midnight imports as a rule ending at 24:00", async () => {
  const db = ["--db", join(tmp.dir, "midnight.db")];
  const file = join(tmp.dir, "late.txt");
  await Bun.write(file, "1 Fri 11pm doc1 41000\n");
  const imported = await availability(db, "import", file, "--from", localDate(1));
  expect(imported.stderr).toBe("");
  expect(imported.code).toBe(0);
  expect((await availability(db, "list")).stdout).toContain("r1  doc1 fri 23:00-24:00, 60 min");
});

test("importing again is refused as overlapping rules, and a --from before today is refused; nothing changes", async () => {
  const db = ["--db", join(tmp.dir, "twice.db")];
  const file = join(root, "fixtures", "availabilities.txt");
  expect((await availability(db, "import", file, "--from", localDate(1))).code).toBe(0);
  const again = await availability(db, "import", file, "--from", localDate(1));
  expect(again.code).toBe(2);
  expect(again.stderr.trim().split("\n")).toHaveLength(1);
  expect(again.stderr).toMatch(
    /^error: rule 7 \(doc1 tue 13:00-14:00, 60 min\) overlaps rule 1 \(doc1 tue 13:00-14:00/,
  );
  const past = await availability(["--db", join(tmp.dir, "past.db")], "import", file, "--from", "2020-01-06");
  expect(past.code).toBe(2);
  expect(past.stderr).toContain(`--from 2020-01-06 is before today (${localDate(0)})`);
  expect((await availability(db, "list")).stdout.match(/^ {2}r\d+ /gm)).toHaveLength(6);
});

test("a booking that cannot be carried (its dated slot already taken) is named, not dropped silently", async () => {
  const path = join(tmp.dir, "clash.db");
  const file = join(tmp.dir, "clash.txt");
  // Two classic lines for one doctor's same hour, each booked: only one of them can have the dated slot.
  await Bun.write(file, "1 Mon 09am doc1 41000\n2 Mon 09am doc1 41000\n");
  const opened = await openCalendarDb({ kind: "sqlite", path }, undefined);
  await opened.run("INSERT INTO bookings (slot, patient, booked_at) VALUES (1, 'patient1', 0), (2, 'patient2', 0)");
  await opened.close();
  const r = await availability(["--db", path], "import", file, "--from", localDate(1));
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("1 booking(s) carried over");
  expect(r.stdout).toMatch(/1 booking\(s\) not carried: patient2 slot 2 \(\d{4}-\d{2}-\d{2} 09:00 doc1: taken\)/);
});

/** The next Sunday from today on which London's clocks go forward (01:00 does not happen): March's last. */
function nextSpringSunday(): string {
  for (let year = Temporal.Now.plainDateISO(zone).year; ; year++) {
    let d = Temporal.PlainDate.from({ year, month: 3, day: 31 });
    while (d.dayOfWeek !== 7) d = d.add({ days: -1 });
    if (d.toString() > localDate(0)) return d.toString();
  }
}

test("a classic booking whose weekday's time falls in the spring-forward gap is carried to the next week's", async () => {
  const path = join(tmp.dir, "gap.db");
  const file = join(tmp.dir, "gap.txt");
  await Bun.write(file, "1 Sun 01am doc1 41000\n");
  const opened = await openCalendarDb({ kind: "sqlite", path }, undefined);
  await opened.run("INSERT INTO bookings (slot, patient, booked_at) VALUES (1, 'patient1', 0)");
  await opened.close();
  const gap = nextSpringSunday();
  const r = await availability(["--db", path], "import", file, "--from", gap);
  expect([r.code, r.stderr]).toEqual([0, ""]);
  expect(r.stdout).toContain("1 booking(s) carried over");
  // 01:00 on the gap's Sunday does not exist (its rule offers nothing that day); a week later it does.
  const next = localStart(Temporal.PlainDate.from(gap).add({ days: 7 }).toString(), "01:00");
  const server = await startServer(["--db", path, "--time-zone", zone]);
  try {
    const c = await login(server.port);
    expect(await listing(c, "mine")).toEqual([`${slotId(1, next.ms)} ${next.iso} 60 doc1 41000`]);
    c.close();
  } finally {
    await server.stop();
  }
});

test("import is refused while a server runs on the weekday file's database; nothing changes until it stops", async () => {
  // Before, the import went ahead: the running server kept confirming bookings on the weekday file, and at its
  // restart on the calendar those were gone (not carried, not warned about).
  const db = ["--db", join(tmp.dir, "served.db")];
  const classic = await startServer(db);
  const c = await login(classic.port);
  expect(await c.request("selection 1")).toBe("doc1 41000");
  c.close();
  const file = join(root, "fixtures", "availabilities.txt");
  const refused = await availability(db, "import", file, "--from", localDate(1));
  expect([refused.code, refused.stderr.trim().split("\n")]).toEqual([
    2,
    [
      `error: a server is running on ${db[1]}: stop it, import, then start it again (bookings it confirmed on the ` +
        "weekday file after the import would not be carried over)",
    ],
  ]);
  expect((await availability(db, "list")).stdout).toContain("no rules or openings in this database");
  expect((await availability(db, "import", file, "--from", localDate(1), "--dry-run")).code).toBe(0);
  await classic.stop();
  const imported = await availability(db, "import", file, "--from", localDate(1));
  expect([imported.code, imported.stdout]).toEqual([0, expect.stringContaining("1 booking(s) carried over")]);
});

test("a first rule on a database with weekday-file bookings is refused, pointing at import; import carries them", async () => {
  // Before, `availability add` made the calendar and the servers stopped reading the weekday file's bookings:
  // a confirmed appointment was gone from `mine` at the next start, with no word from add, start-up or check.
  const db = ["--db", join(tmp.dir, "first-rule.db")];
  const classic = await startServer(db);
  const c = await login(classic.port, "patient2", "password222");
  expect(await c.request("selection 2")).toBe("doc2 42000");
  c.close();
  await classic.stop();
  const rule = ["add", "doc1", "--days", "mon-fri", "--start", "09:00", "--end", "10:00", "--minutes", "30"];
  const opening = ["open", "doc1", "--from", localDate(2), "--start", "09:00", "--end", "10:00", "--minutes", "30"];
  for (const edit of [rule, opening]) {
    const refused = await availability(db, ...edit, "--port", "41000");
    expect([refused.code, refused.stderr.trim().split("\n")]).toEqual([
      2,
      [
        "error: refused: this database holds 1 booking(s) made on the weekday file (availabilities.txt), which " +
          "servers on a calendar do not read: move over with `availability import availabilities.txt --from DATE` " +
          "(it makes the rules and carries the bookings), or cancel them first",
      ],
    ]);
  }
  expect((await availability(db, "list")).stdout).toContain("no rules or openings in this database");
  const file = join(root, "fixtures", "availabilities.txt");
  const imported = await availability(db, "import", file, "--from", localDate(1));
  expect([imported.code, imported.stdout]).toEqual([0, expect.stringContaining("1 booking(s) carried over")]);
  // Once a calendar, further edits go on as before, even every rule removed and one added again: the classic
  // rows the import left (carried) are not counted again.
  const rules = (await availability(db, "list")).stdout.match(/^ {2}r\d+/gm)!.map((r) => r.trim());
  for (const id of rules) expect((await availability(db, "remove", id, "--keep-booked")).code).toBe(0);
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
});

// A clinic that runs on one-off sessions only (`availability open ...`, no weekly rule) has a
// calendar as one with rules has. Before, the edit said "+4 slots", but `list` said "no rules: servers
// on this database use availabilities.txt", `check` spoke of the data files' slots, and a server on the
// database served the embedded seed's 6 slots: the openings were never offered.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { bun, login, runToEnd, startServer, tempDir } from "./helpers.ts";
import { availability, listing, localDate, localStart, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { postgresForFile } from "./pg-file.ts";

const tmp = tempDir();
const cluster = postgresForFile(() => tmp.cleanup());
const running = cluster.running;

const check = (db: string[]) =>
  runToEnd([bun, "roles/healthcenterserver.ts", "check", "--port", "0", ...db, "--time-zone", zone]);

test("openings alone make a calendar: the server serves them, list and check say so, away entries with them", async () => {
  const db = ["--db", join(tmp.dir, "openings.db")];
  const [first, last] = [localDate(1), localDate(3)];
  const open = ["open", "doc1", "--from", first, "--to", last, "--start", "10:00", "--end", "12:00", "--minutes", "30"];
  expect((await availability(db, ...open, "--port", "41000")).code).toBe(0);
  // An away entry with them: an opening counts after the absences, so it stays offered (docs/CALENDAR.md).
  expect((await availability(db, "except", "doc1", "--from", localDate(2), "--reason", "training")).code).toBe(0);
  const listed = await availability(db, "list");
  expect(listed.code).toBe(0);
  expect(listed.stdout).not.toContain("availabilities.txt");
  expect(listed.stdout).toContain("e1  open doc1");
  const checked = await check(db);
  expect([checked.code, checked.stderr]).toEqual([0, ""]);
  expect(checked.stdout).toContain(
    `ok: calendar in ${db[1]}: 0 rule(s), 2 exception(s), 0 appointment(s) to come; ` +
      `slots for 8 weeks in ${zone} (the data files' slots are not used)`,
  );

  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const slots = await listing(c, `slots from=${first} to=${last}`);
  const expected = [1, 2, 3].flatMap((d) =>
    ["10:00", "10:30", "11:00", "11:30"].map((t) => {
      const s = localStart(localDate(d), t);
      return `${slotId(1, s.ms)} ${s.iso} 30 doc1 41000`;
    }),
  );
  expect(slots).toEqual(expected);
  const id = expected[0]!.split(" ")[0]!;
  expect(await c.request(`selection ${id}`)).toBe("doc1 41000");
  expect(await listing(c, "mine")).toEqual([expected[0]!]);
  c.close();
  expect((await check(db)).stdout).toContain("0 rule(s), 2 exception(s), 1 appointment(s) to come");
});

test("a database with neither rules nor openings stays on the data files, and an edit leaving it so says so", async () => {
  const db = ["--db", join(tmp.dir, "away-only.db")];
  const away = await availability(db, "except", "doc1", "--from", localDate(2), "--port", "41000");
  expect(away.code).toBe(0);
  const note = "no rules or openings in this database: a server started on it uses availabilities.txt";
  expect(away.stdout).toContain(note);
  expect((await availability(db, "list")).stdout).toContain(note);
  expect((await check(db)).stdout).not.toContain("calendar in");
  // An opening makes it a calendar; removing it says the database is back on the data files.
  const open = ["open", "doc1", "--from", localDate(1), "--start", "10:00", "--end", "11:00", "--minutes", "30"];
  const opened = await availability(db, ...open);
  expect([opened.code, opened.stdout]).toEqual([0, expect.not.stringContaining(note)]);
  expect((await check(db)).stdout).toContain("calendar in");
  const removed = await availability(db, "remove", "e2");
  expect([removed.code, removed.stdout]).toEqual([0, expect.stringContaining(note)]);
});

cluster.pgTest(
  "on PostgreSQL too: a database with openings only runs the server on a calendar that offers them",
  async () => {
    const pg = cluster.pg;
    pg.createDatabase("openings_only");
    const db = ["--db", pg.url("openings_only"), "--db-password-file", pg.passwordFile];
    const day = localDate(1);
    const open = [
      "open",
      "doc1",
      "--from",
      day,
      "--start",
      "10:00",
      "--end",
      "11:00",
      "--minutes",
      "30",
      "--port",
      "41000",
    ];
    expect((await availability(db, ...open)).code).toBe(0);
    const server = await startServer([...db, "--time-zone", zone]);
    running.push(server);
    const c = await login(server.port);
    const starts = ["10:00", "10:30"].map((t) => localStart(day, t));
    expect(await listing(c, `slots from=${day} to=${day}`)).toEqual(
      starts.map((s) => `${slotId(1, s.ms)} ${s.iso} 30 doc1 41000`),
    );
    c.close();
  },
);

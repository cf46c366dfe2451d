// A doctor's name in the calendar is compared as the protocol compares it (case does not matter, and
// doctorN is docN): `availability add DOC1` on a calendar with doc1 is refused, naming doc1, instead of
// making a second doctor. Before, DOC1 became another doctor with the same hours and port: patients saw
// both at 09:00 (`slots doctor=doc1` listed both) and could book the one real doctor twice at once.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, runToEnd, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const sqlite = (file: string, sql: string) => Bun.spawnSync(["sqlite3", file, sql]).stdout.toString().trim();
const availability = (...args: string[]) =>
  runToEnd([bun, "roles/healthcenterserver.ts", "availability", ...args, "--time-zone", "UTC"]);
const hours = ["--days", "mon", "--start", "09:00", "--end", "10:00", "--minutes", "15", "--port", "41001"];
/** `availability open NAME` for one hour on 7 January 2030, 15-minute slots, on `port`. */
const opening = (name: string, port: string) => [
  "open",
  name,
  "--from",
  "2030-01-07",
  "--start",
  "11:00",
  "--end",
  "12:00",
  "--minutes",
  "15",
  "--port",
  port,
];

test("a doctor named again in another case (DOC1, Doctor1 for doc1) is refused, naming the doctor; doc10 is another", async () => {
  const db = join(tmp.dir, "names.db");
  expect((await availability("add", "doc1", ...hours, "--db", db)).code).toBe(0);
  for (const name of ["DOC1", "Doc1", "doctor1", "Doctor1"]) {
    for (const args of [["add", name, ...hours], opening(name, "41001")]) {
      const r = await availability(...args, "--db", db);
      expect([name, r.code]).toEqual([name, 2]);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringContaining(`${name} is doc1 written another way (doctor names are compared without case`),
      ]);
    }
  }
  expect(sqlite(db, "SELECT name FROM calendar_doctors ORDER BY id")).toBe("doc1");
  expect(sqlite(db, "SELECT count(*) FROM calendar_rules")).toBe("1");
  expect(sqlite(db, "SELECT count(*) FROM calendar_exceptions")).toBe("0");
  expect((await availability("add", "doc10", ...hours, "--db", db)).code).toBe(0);
  expect(sqlite(db, "SELECT group_concat(name, ' ') FROM calendar_doctors")).toBe("doc1 doc10");
});

test("a doctor name that is not one is refused saying what is wrong with it, not only that one is needed", async () => {
  const db = join(tmp.dir, "bad-names.db");
  for (const [given, line] of [
    ["doc 1", 'error: bad doctor name "doc 1": letters, digits, _ and - only (at most 64)'],
    [
      "",
      "error: availability add needs a doctor name: availability add doc1 --days ... (`healthcenterserver --help` for usage)",
    ],
  ]) {
    const r = await availability("add", given!, ...hours, "--db", db);
    expect([r.code, r.stderr.trim()]).toEqual([2, line!]);
  }
  expect((await availability("except", "doc/1", "--from", "2030-01-07", "--db", db)).stderr.trim()).toBe(
    'error: bad doctor name "doc/1": letters, digits, _ and - only (at most 64)',
  );
});

test("past the numbers a slot's id holds (9,999 doctors), a new doctor is refused in one line; nothing changes", async () => {
  // A slot's id is (start minute) * 10,000 + the doctor's number: doctor 10,001 at 09:00 had doc1's 09:01 id,
  // so one hid the other in `slots`, and booking the one listed stored doc1's 09:01 appointment.
  const db = join(tmp.dir, "numbers.db");
  expect((await availability("add", "doc1", ...hours, "--db", db)).code).toBe(0);
  sqlite(db, "INSERT INTO calendar_doctors (id, name, port) VALUES (9999, 'doc9999', 41999)");
  const before = sqlite(db, "SELECT count(*) FROM calendar_rules");
  for (const args of [["add", "doc10000", ...hours], opening("doc10000", "1")]) {
    const r = await availability(...args, "--db", db);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      "error: the calendar numbers at most 9999 doctors (a slot's id holds the number in 4 digits): doc10000 is not added",
    ]);
  }
  expect(sqlite(db, "SELECT max(id) FROM calendar_doctors")).toBe("9999");
  expect(sqlite(db, "SELECT count(*) FROM calendar_rules")).toBe(before);
  // A doctor the calendar already numbers is edited as before.
  expect((await availability("add", "doc9999", ...hours, "--db", db)).code).toBe(0);
});

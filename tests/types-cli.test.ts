// `healthcenterserver types add|list|remove` and `availability add --types` on SQLite and on a real
// PostgreSQL: what is stored, every refusal in one line with exit 2 and nothing changed, the audit
// record of an edit, and the calendar's version bumped (running servers regenerate).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { pgSubject, sqliteSubject, type Subject } from "./db-subjects.ts";
import { bun, runToEnd, tempDir } from "./helpers.ts";
import { availability, zone } from "./calendar-helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

const tmp = tempDir();
const found = postgresBin();
let pg: Postgres | undefined;
beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(() => {
  pg?.stop();
  tmp.cleanup();
});

function types(db: string[], ...args: string[]) {
  return runToEnd([bun, "roles/healthcenterserver.ts", "types", ...args, ...db, "--time-zone", zone]);
}

const rule = ["add", "doc1", "--days", "mon-fri", "--start", "09:00", "--end", "12:00", "--port", "41000"];

async function addsListsRemoves(s: Subject, rowsOf: (q: string) => string) {
  const first = await types(s.db, "add", "first", "--minutes", "30", "--after", "5", "--min-notice", "2h");
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
  expect(first.stdout).toStartWith("added first 30 min, 5 min after, min notice 2h\n");
  expect((await types(s.db, "add", "followup", "--minutes", "15", "--before=3")).code).toBe(0);
  expect((await types(s.db, "add", "vacc", "--minutes", "5")).code).toBe(0);
  const version = rowsOf("SELECT version FROM calendar_state");
  expect(
    rowsOf(
      "SELECT name, minutes, before_min, after_min, coalesce(min_notice, -1), coalesce(cancel_cutoff, -1) " +
        "FROM calendar_types ORDER BY name",
    ),
  ).toBe("first|30|0|5|120|-1\nfollowup|15|3|0|-1|-1\nvacc|5|0|0|-1|-1");

  // A rule offers types; an unknown one gets the nearest name, a type longer than the window is refused.
  const typo = await availability(s.db, ...rule, "--types", "first,folowup");
  expect([typo.code, typo.stderr.trim()]).toEqual([
    2,
    'error: --types: unknown appointment type "folowup"; did you mean followup?',
  ]);
  const short = await availability(s.db, ...rule.slice(0, 6), "--end", "09:20", "--port", "41000", "--types", "first");
  expect([short.code, short.stderr.trim()]).toEqual([
    2,
    "error: type first (30 min) is longer than the rule's window 09:00-09:20 (20 min)",
  ]);
  const both = await availability(s.db, ...rule, "--types", "first", "--minutes", "15");
  expect([both.code, both.stderr.trim()]).toEqual([
    2,
    "error: give --minutes or --types, not both (a typed rule's lengths are its types')",
  ]);
  expect(rowsOf("SELECT count(*) FROM calendar_rules")).toBe("0");
  const added = await availability(s.db, ...rule, "--types", "first,followup");
  expect(added.stderr).toBe("");
  expect(rowsOf("SELECT types, minutes FROM calendar_rules")).toBe("first,followup|30");
  expect((await availability(s.db, "list")).stdout).toContain("r1  doc1 mon-fri 09:00-12:00, types first,followup");

  const list = await types(s.db, "list");
  expect(list.stdout).toBe(
    "Appointment types (a rule's first type is its default):\n" +
      "  first 30 min, 5 min after, min notice 2h  (offered by doc1)\n" +
      "  followup 15 min, 3 min before  (offered by doc1)\n" +
      "  vacc 5 min  (offered by no rule)\n",
  );

  // Every refusal: one line, exit 2, nothing changed.
  const refusals: [string[], string][] = [
    [["add", "Vacc", "--minutes", "5"], 'bad type name "Vacc"'],
    // Control characters are shown escaped (never a second line or a terminal sequence), a long name cut.
    [["add", "x\n\u001b[2Jy", "--minutes", "5"], 'bad type name "x\\x0a\\x1b[2Jy"'],
    [["add", "v".repeat(10_000), "--minutes", "5"], `bad type name "${"v".repeat(40)}" (a lower-case`],
    [["remove", "x\ny"], 'bad type name "x\\x0ay"'],
    [
      ["add", "vacc", "--minutes", "4"],
      "--minutes: appointment length of 4 minutes is out of range (5 to 720 minutes)",
    ],
    [["add", "vacc", "--minutes", "5", "--before=-5"], "--before: buffer before of -5 minutes is negative (0 to 240)"],
    [["add", "vacc", "--minutes", "5", "--after", "241"], "--after: buffer after of 241 minutes is out of range"],
    [["add", "vacc", "--minutes", "5", "--cancel-cutoff", "2x"], '--cancel-cutoff: bad cancel-cutoff "2x"'],
    [["add", "vacc"], "give --minutes (the appointment's length)"],
    [
      ["add", "first", "--minutes", "200"],
      "type first (200 min) is longer than the rule's window 09:00-12:00 (180 min)",
    ],
    [["remove", "first"], "type first is offered by rule r1; remove it first"],
    [["remove", "frist"], 'unknown appointment type "frist"; did you mean first?'],
    [["rmove", "first"], "unknown types command rmove; did you mean remove?"],
  ];
  const before = rowsOf("SELECT name || minutes || before_min || after_min FROM calendar_types ORDER BY name");
  for (const [args, message] of refusals) {
    const r = await types(s.db, ...args);
    expect([args.join(" "), r.code]).toEqual([args.join(" "), 2]);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  }
  expect(rowsOf("SELECT name || minutes || before_min || after_min FROM calendar_types ORDER BY name")).toBe(before);
  expect(rowsOf("SELECT version FROM calendar_state")).toBe(String(Number(version) + 1));

  // A change bumps the version and is audited; remove drops a type no rule offers.
  const changed = await types(s.db, "add", "first", "--minutes", "20", "--reason", "shorter visits");
  expect(changed.stdout).toStartWith("changed first 20 min\n");
  expect(rowsOf("SELECT version FROM calendar_state")).toBe(String(Number(version) + 2));
  expect(rowsOf("SELECT action || ' ' || subject || ' ' || reason FROM audit ORDER BY seq DESC LIMIT 1")).toBe(
    "availability.changed type first 20 min shorter visits",
  );
  expect((await types(s.db, "remove", "vacc")).code).toBe(0);
  expect(rowsOf("SELECT name FROM calendar_types ORDER BY name")).toBe("first\nfollowup");
  expect((await types(s.db, "add", "x", "--minutes", "5", "--dry-run")).stdout).toContain("dry run, nothing changed");
  expect(rowsOf("SELECT count(*) FROM calendar_types")).toBe("2");
}

describe("types CLI", () => {
  test("SQLite: add, list, remove and every refusal (one line, exit 2, nothing changed)", async () => {
    const s = sqliteSubject(tmp.dir, "types");
    await addsListsRemoves(s, s.sql);
  }, 120_000);

  test("PostgreSQL: add, list, remove and every refusal (one line, exit 2, nothing changed)", async () => {
    if (!pg) return console.warn(`skipped: ${"missing" in found ? found.missing : ""}`);
    const s = pgSubject(pg!, "types");
    await addsListsRemoves(s, s.sql);
  }, 120_000);

  test("a bare 0 is zero for a type's durations; another bare number is refused naming its units", async () => {
    const s = sqliteSubject(tmp.dir, "bare-zero");
    const zero = await types(s.db, "add", "walkin", "--minutes", "10", "--min-notice", "0", "--cancel-cutoff=0");
    expect([zero.code, zero.stderr]).toEqual([0, ""]);
    expect(s.sql("SELECT min_notice, cancel_cutoff FROM calendar_types")).toBe("0|0");
    const bare = await types(s.db, "add", "other", "--minutes", "10", "--min-notice", "30");
    expect([bare.code, bare.stderr.trim()]).toEqual([
      2,
      'error: --min-notice: bad min-notice "30": give a unit (30m, 30h, 30d or 30w)',
    ]);
    expect(s.sql("SELECT count(*) FROM calendar_types")).toBe("1");
  }, 60_000);

  test("a type's own rules beyond the clinic's horizon are refused (one line, exit 2, nothing changed)", async () => {
    const s = sqliteSubject(tmp.dir, "beyond");
    const long = ["add", "long", "--minutes", "30"];
    expect((await types(s.db, "add", "short", "--minutes", "15")).code).toBe(0);
    for (const [flags, line] of [
      [
        ["--min-notice", "20w"],
        "error: type long: --min-notice 20w is not within the horizon of 8 weeks (--horizon-weeks): " +
          "no slot could be booked",
      ],
      [
        ["--cancel-cutoff", "30w"],
        "error: type long: --cancel-cutoff 30w is beyond the horizon of 8 weeks (--horizon-weeks): " +
          "no appointment could ever be cancelled",
      ],
    ] as const) {
      const r = await types(s.db, ...long, ...flags);
      expect([r.code, r.stderr.trim()]).toEqual([2, line]);
    }
    expect(s.sql("SELECT group_concat(name) FROM calendar_types")).toBe("short");
    // A clinic whose server runs a longer horizon says so; an edit of an existing type is checked alike.
    expect((await types(s.db, ...long, "--min-notice", "20w", "--horizon-weeks", "26")).code).toBe(0);
    const edit = await types(s.db, ...long, "--min-notice", "1d", "--cancel-cutoff", "9w");
    expect([edit.code, edit.stderr.trim()]).toEqual([
      2,
      "error: type long: --cancel-cutoff 9w is beyond the horizon of 8 weeks (--horizon-weeks): " +
        "no appointment could ever be cancelled",
    ]);
    expect(s.sql("SELECT min_notice, coalesce(cancel_cutoff, -1) FROM calendar_types WHERE name = 'long'")).toBe(
      "201600|-1",
    );
  }, 60_000);

  test("an older SQLite calendar gains the types columns at its next edit, its rules unchanged", async () => {
    const path = join(tmp.dir, "old.db");
    const old = sqliteSubject(tmp.dir, "old");
    expect((await availability(old.db, ...rule, "--minutes", "15")).code).toBe(0);
    const d = new Database(path);
    d.run("ALTER TABLE calendar_rules DROP COLUMN types");
    d.run("ALTER TABLE appointments DROP COLUMN type");
    d.close();
    expect((await types(old.db, "add", "first", "--minutes", "30")).code).toBe(0);
    expect(old.sql("SELECT types, minutes FROM calendar_rules")).toBe("|15");
    expect(old.sql("SELECT count(*) FROM pragma_table_info('appointments') WHERE name = 'type'")).toBe("1");
  }, 60_000);
});

// Two `audit archive` runs at once: the second to commit finds the checkpoint moved since it read its
// records (the first archived and deleted them), and archives nothing, its file removed. Before, it
// deleted from an older checkpoint's view and left a file repeating the first's records, which
// `verify --archive` then called not intact.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bun, runToEnd, tempDir } from "./helpers.ts";
import { availability, rule_doc1 } from "./calendar-helpers.ts";
import { archiveAudit } from "../roles/healthcenterserver/commands/audit-archive.ts";
import { SqliteCalendarDb, type CalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";

const tmp = tempDir();
const db = join(tmp.dir, "cal.db");
const key = `${db}.audit-key`;
const audit = (...args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", "audit", ...args, "--db", db]);

beforeAll(async () => {
  expect((await availability(["--db", db], ...rule_doc1, "--port", "41000")).code).toBe(0);
  for (const date of ["2030-01-07", "2030-01-08"])
    expect((await availability(["--db", db], "except", "doc1", "--from", date, "--reason", "away")).code).toBe(0);
  // A first archive makes the key file; nothing after it yet.
  expect((await audit("archive", "--before", "2100-01-01", join(tmp.dir, "zero.jsonl"))).code).toBe(0);
  for (const date of ["2030-01-09", "2030-01-10"])
    expect((await availability(["--db", db], "except", "doc1", "--from", date, "--reason", "away")).code).toBe(0);
}, 60_000);
afterAll(() => tmp.cleanup());

test("an archive that another archive overtook between its read and its commit archives nothing", async () => {
  const [first, second] = [join(tmp.dir, "first.jsonl"), join(tmp.dir, "second.jsonl")];
  const other = SqliteCalendarDb.open(db);
  const mine = SqliteCalendarDb.open(db);
  // The second run's records are read; the first run (on its own connection) commits before the second's
  // transaction begins.
  const overtaken: CalendarDb = new Proxy(mine, {
    get(target, name, receiver) {
      if (name !== "transaction") return Reflect.get(target, name, receiver);
      return async (work: Parameters<CalendarDb["transaction"]>[0]) => {
        await archiveAudit(other, Date.parse("2100-01-01"), first, key);
        return target.transaction(work);
      };
    },
  });
  const err = await archiveAudit(overtaken, Date.parse("2100-01-01"), second, key).catch((e: Error) => e);
  expect(String(err)).toMatch(/another audit archive ran meanwhile .*nothing archived/);
  expect(existsSync(second)).toBe(false);
  expect(existsSync(first)).toBe(true);
  for (const d of [other, mine]) await d.close();
  const r = await audit("verify", "--archive", first);
  expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/first\.jsonl intact: records 4-5, /)]);
});

// `audit archive` to a file it cannot create: one line naming the file, exit 2, and the trail as it
// was (no record deleted, no checkpoint). Before, a missing directory or an empty name was an
// "internal error (a bug; please report it)" with a stack trace, exit 70.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { bun, runToEnd, tempDir } from "./helpers.ts";
import { availability, rule_doc1 } from "./calendar-helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const audit = (args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", "audit", ...args]);

test("archive to a file it cannot create says so in one line, exit 2, and archives nothing", async () => {
  const db = join(tmp.dir, "cal.db");
  expect((await availability(["--db", db], ...rule_doc1, "--port", "41000")).code).toBe(0);
  const before = await audit(["verify", "--db", db]);
  expect(before.stdout).toMatch(/^audit trail intact: 1 records;/);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const readOnly = join(tmp.dir, "read-only");
  mkdirSync(readOnly, { mode: 0o500 });
  const cases: [string, string][] = [
    [join(tmp.dir, "no-such-dir", "a.jsonl"), "ENOENT"],
    ["", "ENOENT"],
    ...(process.getuid?.() === 0 ? [] : ([[join(readOnly, "a.jsonl"), "EACCES"]] as [string, string][])),
  ];
  for (const [file, code] of cases) {
    const r = await audit(["archive", "--db", db, "--before", tomorrow, file]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringContaining(`cannot write the archive "${file}": ${code}`),
    ]);
    expect(r.stderr).not.toContain("internal error");
    expect(existsSync(file)).toBe(false);
    expect((await audit(["verify", "--db", db])).stdout).toBe(before.stdout);
  }
});

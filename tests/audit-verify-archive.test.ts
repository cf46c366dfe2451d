// `audit verify --archive FILE`: an archive file `audit archive` wrote is checked against the signed
// checkpoint that records its SHA-256, and the records' chain inside it from the checkpoint before it;
// the first mismatch is named, exit 1. Before, verify looked at the database only: a file changed after
// the archive (a record edited, a line dropped) passed unseen.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, runToEnd, tempDir } from "./helpers.ts";
import { availability, rule_doc1 } from "./calendar-helpers.ts";
import { hashOf } from "../roles/healthcenterserver/audit/chain.ts";

const tmp = tempDir();
const db = join(tmp.dir, "cal.db");
const [first, second] = [join(tmp.dir, "first.jsonl"), join(tmp.dir, "second.jsonl")];
const audit = (...args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", "audit", ...args, "--db", db]);
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const absent = (date: string) => availability(["--db", db], "except", "doc1", "--from", date, "--reason", "away");

beforeAll(async () => {
  // Two archives: records 1-2, then 3-5 (the second's chain starts at the first's checkpoint).
  expect((await availability(["--db", db], ...rule_doc1, "--port", "41000")).code).toBe(0);
  expect((await absent("2030-01-07")).code).toBe(0);
  expect((await audit("archive", "--before", tomorrow, first)).code).toBe(0);
  for (const date of ["2030-01-08", "2030-01-09", "2030-01-10"]) expect((await absent(date)).code).toBe(0);
  const r = await audit("archive", "--before", tomorrow, second);
  expect([r.code, r.stdout]).toEqual([0, expect.stringContaining("archived 3 audit records (up to record 5)")]);
}, 60_000);
afterAll(() => tmp.cleanup());

test("intact archives verify against their checkpoints, each chain from the checkpoint before it", async () => {
  const r = await audit("verify", "--archive", second, "--archive", first);
  expect(r.stdout.trim().split("\n")).toEqual([
    expect.stringMatching(
      /^archive .*second\.jsonl intact: records 3-5, its SHA-256 that of the checkpoint at record 5$/,
    ),
    expect.stringMatching(
      /^archive .*first\.jsonl intact: records 1-2, its SHA-256 that of the checkpoint at record 2$/,
    ),
    "audit trail intact: 0 records after the checkpoint at record 5; head 5 " + r.stdout.trim().split(" ").at(-1),
  ]);
  expect(r.code).toBe(0);
});

test("a record changed in the file: exit 1, the hash mismatch and the first bad record named", async () => {
  const changed = join(tmp.dir, "changed.jsonl");
  const lines = readFileSync(second, "utf8").split("\n");
  lines[1] = lines[1]!.replace('"reason":"away"', '"reason":"sick"');
  writeFileSync(changed, lines.join("\n"));
  const r = await audit("verify", "--archive", changed);
  expect(r.code).toBe(1);
  expect(r.stdout.trim().split("\n")).toEqual([
    expect.stringMatching(
      /^archive .*changed\.jsonl: its SHA-256 [0-9a-f]{64} is not the one the checkpoint at record 5 records$/,
    ),
    expect.stringMatching(/^archive .*changed\.jsonl line 2: audit record 4: its content was changed$/),
    expect.stringMatching(/^audit trail intact: 0 records after the checkpoint at record 5;/),
  ]);
});

test("a line dropped, the last record changed and rehashed, a missing file: each named", async () => {
  const lines = readFileSync(second, "utf8").split("\n");
  const dropped = join(tmp.dir, "dropped.jsonl");
  writeFileSync(dropped, [lines[0], lines[2], ""].join("\n"));
  const d = await audit("verify", "--archive", dropped);
  expect(d.code).toBe(1);
  expect(d.stdout).toMatch(/dropped\.jsonl line 2: audit record 5: records 4\.\.4 are missing\n/);
  // A forger who rehashes the record they changed still cannot match the signed checkpoint.
  const rehashed = join(tmp.dir, "rehashed.jsonl");
  const last = JSON.parse(lines[2]!);
  last.reason = "sick";
  last.hash = hashOf(last.seq, last.prevHash, last);
  writeFileSync(rehashed, [lines[0], lines[1], JSON.stringify(last), ""].join("\n"));
  const h = await audit("verify", "--archive", rehashed);
  expect(h.code).toBe(1);
  expect(h.stdout).toMatch(/rehashed\.jsonl: record 5 is not the one the checkpoint signed \(changed and rehashed\)\n/);
  // The first archive's file, renamed: it is found by its records, not by its name.
  const renamed = join(tmp.dir, "renamed.jsonl");
  copyFileSync(first, renamed);
  expect((await audit("verify", "--archive", renamed)).code).toBe(0);
  const missing = await audit("verify", "--archive", join(tmp.dir, "none.jsonl"));
  expect([missing.code, missing.stderr.trim()]).toEqual([
    2,
    `error: cannot read the archive ${join(tmp.dir, "none.jsonl")}: ENOENT`,
  ]);
});

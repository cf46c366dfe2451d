// What an operator's commands print when things go sideways (found in a new user's trial): an error
// naming what was typed never carries raw control characters to the terminal, `audit export` into a
// pipe that closes early ends quietly, `audit archive` that moves nothing leaves no file behind, and a
// top-level key put in the wrong section says where it goes; an operator's --reason is one line of
// bounded length, as a staff member's is. Real processes on real files.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { staff_reason_chars_max } from "../shared/staff-limits.ts";
import { bun, child_env, root, runToEnd, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const server = (...args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", ...args]);

/** A SQLite file whose audit trail holds a few operator records (each `types add` writes one). */
async function auditedDb(name: string): Promise<string> {
  const db = join(tmp.dir, `${name}.db`);
  for (const t of ["first", "followup", "vacc"]) {
    const r = await server("types", "add", t, "--minutes", "15", "--db", db);
    expect(r.code, r.stderr).toBe(0);
  }
  return db;
}

test("an error naming a typed value escapes its control characters (no escape sequence reaches the terminal)", async () => {
  const db = join(tmp.dir, "ctl.db");
  const r = await server("types", "add", "bad\x1b[2J\x07name", "--minutes", "15", "--db", db);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("bad type name");
  expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  expect(r.stderr).toContain("\\x1b[2J\\x07name");
});

test("audit export into a pipe that closes at once ends quietly, exit 0, not as an internal error", async () => {
  const db = await auditedDb("pipe");
  const cmd = `"${bun}" roles/healthcenterserver.ts audit export --db "${db}" --from 2000-01-01 --to 2999-12-31 --format json`;
  // `:` exits at once, so every write the command makes meets a closed pipe.
  const proc = Bun.spawn(["bash", "-c", `set -o pipefail; ${cmd} | :`], {
    cwd: root,
    env: child_env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  expect(stderr).not.toContain("internal error");
  expect(stderr).toBe("");
  expect(code).toBe(0);
});

test("audit archive that finds nothing to move leaves no file, so the same file name works later", async () => {
  const db = await auditedDb("archive");
  const file = join(tmp.dir, "old.jsonl");
  const none = await server("audit", "archive", "--db", db, "--before", "2000-01-01", file);
  expect(none.code, none.stderr).toBe(0);
  expect(none.stdout).toContain("nothing archived");
  expect(existsSync(file)).toBe(false);
  const all = await server("audit", "archive", "--db", db, "--before", "2999-01-01", file);
  expect(all.code, all.stderr).toBe(0);
  expect(all.stdout).toContain("archived 3 audit records");
  const verify = await server("audit", "verify", "--db", db);
  expect(verify.code, verify.stdout).toBe(0);
});

test("data = under [server] is refused with where it goes (the top of the file, before any section)", async () => {
  const file = join(tmp.dir, "deploy.toml");
  writeFileSync(file, '[server]\nport = 21000\ndata = "data"\n');
  const r = await server("check", "--config", file);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('unknown key "data" in [server]');
  expect(r.stderr).toContain("top of the file");
});

test("an operator's --reason of 100,000 characters, or with control characters, is refused: exit 2, nothing changed", async () => {
  const db = await auditedDb("reason");
  const count = () => {
    const d = new Database(db, { readonly: true });
    try {
      return (d.query("SELECT count(*) AS n FROM audit").get() as { n: number }).n;
    } finally {
      d.close();
    }
  };
  const before = count();
  const long = await server("types", "add", "vacc", "--minutes", "20", "--db", db, "--reason", "r".repeat(100_000));
  expect(long.code).toBe(2);
  expect(long.stderr).toContain(`--reason is 100000 characters; at most ${staff_reason_chars_max}`);
  const ctl = await server("types", "add", "vacc", "--minutes", "20", "--db", db, "--reason", "ill\x1b[2J\nnext");
  expect(ctl.code).toBe(2);
  expect(ctl.stderr).toContain("--reason must be one line of text");
  expect(count()).toBe(before);
  const list = await server("types", "list", "--db", db);
  expect(list.stdout).toContain("vacc 15 min");
  const fine = await server("types", "add", "vacc", "--minutes", "20", "--db", db, "--reason", "longer visits");
  expect(fine.code, fine.stderr).toBe(0);
  expect(count()).toBe(before + 1);
});

test("a type whose own minimum notice is not below its own furthest-ahead (never bookable) is refused: exit 2", async () => {
  const db = join(tmp.dir, "type-rules.db");
  const r = await server(
    "types",
    "add",
    "xx",
    "--minutes",
    "15",
    "--min-notice",
    "2h",
    "--max-ahead",
    "1h",
    "--db",
    db,
  );
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--min-notice 2h is not less than --max-ahead 1h: no slot could be booked");
  const list = await server("types", "list", "--db", db);
  expect(list.stdout).not.toContain("xx");
  const fine = await server(
    "types",
    "add",
    "xx",
    "--minutes",
    "15",
    "--min-notice",
    "1h",
    "--max-ahead",
    "2h",
    "--db",
    db,
  );
  expect(fine.code, fine.stderr).toBe(0);
});

test("types add on an existing name says what the type was, so a buffer or rule not given again is seen to go", async () => {
  const db = join(tmp.dir, "type-change.db");
  const first = await server(
    "types",
    "add",
    "first",
    "--minutes",
    "30",
    "--after",
    "5",
    "--min-notice",
    "2h",
    "--db",
    db,
  );
  expect(first.code, first.stderr).toBe(0);
  const changed = await server("types", "add", "first", "--minutes", "45", "--db", db);
  expect(changed.code, changed.stderr).toBe(0);
  expect(changed.stdout).toStartWith(
    "changed first 45 min\n  (was first 30 min, 5 min after, min notice 2h: what is not given again is reset)\n",
  );
  const same = await server("types", "add", "first", "--minutes", "45", "--db", db);
  expect(same.stdout).not.toContain("(was");
});

test("staff add without a database named says the change is not in the audit trail; with ./healthcenter.db it is", async () => {
  const dir = join(tmp.dir, "staff-cwd");
  mkdirSync(join(dir, "data"), { recursive: true });
  const staff = async (...args: string[]) => {
    const proc = Bun.spawn([bun, join(root, "roles/healthcenterserver.ts"), "staff", ...args, "--data", "data"], {
      cwd: dir,
      env: child_env,
      stdin: new TextEncoder().encode("a-long-password-1\n"),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, code };
  };
  const unrecorded = await staff("add", "alice", "--role", "front-desk");
  expect(unrecorded.code, unrecorded.stderr).toBe(0);
  expect(unrecorded.stderr).toContain("not in any audit trail");
  // The server's default database in the working directory: the change is recorded there.
  const made = await server("types", "add", "first", "--minutes", "15", "--db", join(dir, "healthcenter.db"));
  expect(made.code, made.stderr).toBe(0);
  const recorded = await staff("add", "bob", "--role", "auditor");
  expect(recorded.code, recorded.stderr).toBe(0);
  expect(recorded.stderr).toBe("");
  const d = new Database(join(dir, "healthcenter.db"), { readonly: true });
  try {
    expect(d.query("SELECT action, subject FROM audit WHERE action LIKE 'staff.%'").all()).toEqual([
      { action: "staff.added", subject: "staff bob" },
    ]);
  } finally {
    d.close();
  }
});

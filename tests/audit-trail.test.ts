// The audit trail stored with the bookings (SQLite here; tests/audit-postgres.test.ts for PostgreSQL):
// who did what, from where and why, written by patients over TCP and staff on the page; `audit
// verify` on an intact chain and on each kind of tampering made with sqlite3 on the file; exports
// parsed back; archive leaves a signed checkpoint verify starts from.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, login, runToEnd } from "./helpers.ts";
import { availability, rule_doc1 } from "./calendar-helpers.ts";
import { append_only_triggers } from "../roles/healthcenterserver/store/sqlite/sqlite-audit.ts";
import { csvRow } from "../roles/healthcenterserver/audit/export.ts";
import { type AuditContent, type AuditRecord, hashOf } from "../roles/healthcenterserver/audit/chain.ts";
import { signIn, staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;
let db: string;
const today = new Date().toISOString().slice(0, 10);

function audit(args: string[]) {
  return runToEnd([bun, "roles/healthcenterserver.ts", "audit", ...args]);
}

function sqlite(file: string, sql: string): string {
  const r = Bun.spawnSync(["sqlite3", file, sql]);
  if (r.exitCode !== 0) throw new Error(`sqlite3: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

type Row = { seq: number; actor: string; role: string; via: string; address: string; action: string };

function rows(file: string): (Row & Record<string, string | number>)[] {
  const d = new Database(file, { readonly: true });
  try {
    return d.query("SELECT * FROM audit ORDER BY seq").all() as (Row & Record<string, string | number>)[];
  } finally {
    d.close();
  }
}

/** The content of record `seq` as stored. */
function contentOf(d: Database, seq: number): AuditContent {
  const r = d.query("SELECT * FROM audit WHERE seq = ?").get(seq) as Record<string, string | number>;
  return {
    atMs: Number(r.at_ms),
    actor: String(r.actor),
    role: String(r.role),
    via: String(r.via),
    address: String(r.address),
    action: String(r.action),
    subject: String(r.subject),
    before: String(r.before),
    after: String(r.after),
    reason: String(r.reason),
  };
}

/** A copy of the trail with record `seq` given to mallory and rehashed, as someone who knows the algorithm would. */
function rewritten(name: string, seq: number): string {
  const copy = join(staff.dir, name);
  sqlite(db, `VACUUM INTO '${copy}'`);
  const d = new Database(copy);
  d.run("DROP TRIGGER audit_no_update");
  const prev = d.query("SELECT hash FROM audit WHERE seq = ?").get(seq - 1) as { hash: string };
  const hash = hashOf(seq, prev.hash, { ...contentOf(d, seq), actor: "mallory" });
  d.run("UPDATE audit SET actor = 'mallory', hash = ? WHERE seq = ?", [hash, seq]);
  d.close();
  return copy;
}

beforeAll(async () => {
  const accounts = await staffFile([
    ["alice", "front-desk", "alice-password-1"],
    ["audrey", "auditor", "audrey-password-1"],
  ]);
  staff = await startStaffServer({ slots: 12, staff: accounts });
  db = staff.db;
  const post = (path: string, form: Record<string, string>, cookie: string) =>
    fetch(staff.base + path, { method: "POST", body: new URLSearchParams(form), headers: { Cookie: cookie } });
  const patient = await login(staff.server.port, "patient2", "password222");
  expect(await patient.request("selection 2")).toMatch(/^doc/);
  expect(await patient.request("reschedule 2 3")).toMatch(/^doc/);
  patient.close();
  await fetch(staff.base + "/api/signin", {
    method: "POST",
    body: new URLSearchParams({ name: "alice", password: "x" }),
  });
  const alice = await signIn(staff.base, "alice", "alice-password-1");
  expect((await post("/api/book", { slot: "5", patient: "patient1" }, alice)).status).toBe(200);
  const reason = 'patient phoned\u0007 in; "ill"';
  expect((await post("/api/cancel", { slot: "3", patient: "patient2", reason }, alice)).status).toBe(200);
  expect((await post("/api/book", { slot: "5", patient: "patient2" }, alice)).status).toBe(409);
  const audrey = await signIn(staff.base, "audrey", "audrey-password-1");
  expect((await post("/api/book", { slot: "6", patient: "patient1" }, audrey)).status).toBe(403);
  expect((await fetch(`${staff.base}/api/appointments?patient=patient1`, { headers: { Cookie: alice } })).status).toBe(
    200,
  );
}, 30_000);
afterAll(() => staff?.stop());

describe("what is recorded", () => {
  test("patients' and staff's changes, sign-ins, refusals and reads: who, role, how, from where, why", () => {
    const got = rows(db).map((r) => [r.actor, r.role, r.via, r.address, r.action, r.subject, r.reason]);
    expect(got).toEqual([
      ["patient2", "patient", "tcp", "127.0.0.1", "booking.booked", "slot 2", ""],
      ["patient2", "patient", "tcp", "127.0.0.1", "booking.moved", "slot 3", ""],
      ["alice", "anonymous", "staff-page", "127.0.0.1", "staff.signin.failed", "staff alice", "wrong name or password"],
      ["alice", "front-desk", "staff-page", "127.0.0.1", "staff.signin", "staff alice", ""],
      ["alice", "front-desk", "staff-page", "127.0.0.1", "booking.booked", "slot 5", ""],
      [
        "alice",
        "front-desk",
        "staff-page",
        "127.0.0.1",
        "booking.cancelled",
        "slot 3",
        'patient phoned\u0007 in; "ill"',
      ],
      ["alice", "front-desk", "staff-page", "127.0.0.1", "booking.book.refused", "slot 5", ""],
      ["audrey", "auditor", "staff-page", "127.0.0.1", "staff.signin", "staff audrey", ""],
      ["audrey", "auditor", "staff-page", "127.0.0.1", "staff.forbidden", "POST /api/book", "an auditor may not book"],
      ["alice", "front-desk", "staff-page", "127.0.0.1", "appointments.read", "patient patient1", ""],
    ]);
    const all = rows(db);
    expect(all[1]!.before).toBe('{"slot":2,"patient":"patient2"}');
    expect(all[1]!.after).toBe('{"slot":3,"patient":"patient2"}');
    expect(all[6]!.after).toBe('{"patient":"patient2","outcome":"notavailable"}');
    // No password is ever recorded.
    expect(JSON.stringify(all)).not.toContain("password-1");
  });

  test("a signed-in read of the schedule (names) is recorded; an anonymous one is not", async () => {
    const alice = await signIn(staff.base, "alice", "alice-password-1");
    expect((await fetch(`${staff.base}/api/schedule`)).status).toBe(200);
    expect((await fetch(`${staff.base}/api/schedule`, { headers: { Cookie: alice } })).status).toBe(200);
    const reads = rows(db).filter((r) => r.action === "schedule.read");
    expect(reads.map((r) => [r.actor, r.role, r.subject])).toEqual([["alice", "front-desk", "schedule"]]);
    // Back to the ten records the tests below count: this copy is what they tamper with.
    sqlite(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > 10");
    sqlite(db, append_only_triggers()[1]!);
  });

  test("a sign-in while another process holds the file's write lock waits for it, then is recorded", async () => {
    const other = new Database(db);
    other.run("BEGIN IMMEDIATE");
    const signing = signIn(staff.base, "alice", "alice-password-1");
    await Bun.sleep(400);
    other.run("COMMIT");
    other.close();
    expect(await signing).toMatch(/^hcs_staff=/);
    const last = rows(db).at(-1)!;
    expect([last.actor, last.action]).toEqual(["alice", "staff.signin"]);
    sqlite(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > 10");
    sqlite(db, append_only_triggers()[1]!);
  });

  test("the table refuses UPDATE and DELETE", () => {
    expect(() => sqlite(db, "UPDATE audit SET reason = 'x' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => sqlite(db, "DELETE FROM audit WHERE seq = 1")).toThrow(/append-only/);
  });
});

describe("audit verify", () => {
  test("an intact chain: exit 0, the count and the head", async () => {
    const r = await audit(["verify", "--db", db]);
    expect(r.stdout).toMatch(/^audit trail intact: 10 records; head 10 [0-9a-f]{64}\n$/);
    expect(r.code).toBe(0);
  });

  test("rows keep prev_hash empty; a file whose rows carry it (written before) verifies, and a wrong one is found", async () => {
    expect(rows(db).map((r) => r.prev_hash)).toEqual(Array(10).fill(""));
    const older = join(staff.dir, "older.db");
    sqlite(db, `VACUUM INTO '${older}'`);
    const zeros = "0".repeat(64);
    sqlite(
      older,
      "DROP TRIGGER audit_no_update; UPDATE audit SET prev_hash = " +
        `COALESCE((SELECT b.hash FROM audit b WHERE b.seq = audit.seq - 1), '${zeros}')`,
    );
    expect(rows(older).filter((r) => r.prev_hash !== "").length).toBe(10);
    expect((await audit(["verify", "--db", older])).stdout).toMatch(/^audit trail intact: 10 records; head 10 /);
    sqlite(older, "UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE seq = 2) WHERE seq = 5");
    const r = await audit(["verify", "--db", older]);
    expect([r.stdout, r.code]).toEqual(["audit record 5: does not follow the record before it\n", 1]);
  });

  test("--head: a head kept elsewhere catches a tail rewritten with valid hashes, and a trail cut short", async () => {
    const head = /head (\d+) ([0-9a-f]{64})/.exec((await audit(["verify", "--db", db])).stdout)!;
    const kept = `${head[1]}:${head[2]}`;
    expect((await audit(["verify", "--db", db, "--head", kept])).code).toBe(0);
    // Rewrite record 10 and re-hash it, as someone who knows the algorithm would: the chain verifies...
    const copy = rewritten("rewritten.db", 10);
    expect((await audit(["verify", "--db", copy])).code).toBe(0);
    // ...but not against the head kept.
    const caught = await audit(["verify", "--db", copy, "--head", kept]);
    expect(caught.stdout).toBe("audit record 10: not the head kept (--head): the trail was rewritten up to there\n");
    expect(caught.code).toBe(1);
    const cut = await audit(["verify", "--db", db, "--head", `11:${head[2]}`]);
    expect(cut.stdout).toContain("audit record 11 (the head kept, --head) is missing");
    expect((await audit(["verify", "--db", db, "--head", "nonsense"])).code).toBe(2);
  });

  test("a record changed and rehashed is caught by the next, which is not said to be changed itself", async () => {
    // The rows keep no link of their own, so record 9's hash no longer fits: it, or record 8, was changed.
    const r = await audit(["verify", "--db", rewritten("rehashed.db", 8)]);
    expect([r.stdout, r.code]).toEqual([
      "audit record 9: its content was changed, or the record before it was changed and rehashed\n",
      1,
    ]);
  });

  test("a fork made by hand (records 8 and 9 both following record 7) is named", async () => {
    const copy = join(staff.dir, "forked.db");
    sqlite(db, `VACUUM INTO '${copy}'`);
    const d = new Database(copy);
    d.run("DROP TRIGGER audit_no_update");
    const seven = d.query("SELECT hash FROM audit WHERE seq = 7").get() as { hash: string };
    d.run("UPDATE audit SET hash = ? WHERE seq = 9", [hashOf(9, seven.hash, contentOf(d, 9))]);
    d.close();
    const r = await audit(["verify", "--db", copy]);
    expect([r.stdout, r.code]).toEqual([
      "audit record 9: does not follow the record before it: both follow the same record\n",
      1,
    ]);
  });

  const tampering: [string, string, RegExp][] = [
    [
      "a changed field",
      "DROP TRIGGER audit_no_update; UPDATE audit SET reason = '' WHERE seq = 6",
      /^audit record 6: its content was changed, or the record before it was changed and rehashed\n$/,
    ],
    [
      "a deleted row",
      "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4",
      /^audit record 5: records 4\.\.4 are missing\n$/,
    ],
    [
      "reordered rows",
      "DROP TRIGGER audit_no_update; UPDATE audit SET seq = -1 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5; " +
        "UPDATE audit SET seq = 5 WHERE seq = -1",
      /^audit record 4: /,
    ],
    [
      "an inserted row",
      "DROP TRIGGER audit_no_update; UPDATE audit SET seq = seq + 100 WHERE seq >= 7; " +
        "UPDATE audit SET seq = seq - 99 WHERE seq >= 107; " +
        "INSERT INTO audit SELECT 7, at_ms, 'mallory', role, via, address, action, subject, before, after, reason, " +
        "hash, hash FROM audit WHERE seq = 6",
      /^audit record 7: its content was changed\n$/,
    ],
    [
      "a row appended with a made-up hash",
      "INSERT INTO audit SELECT 11, at_ms, actor, role, via, address, action, subject, before, after, reason, " +
        "hash, hash FROM audit WHERE seq = 10",
      /^audit record 11: its content was changed\n$/,
    ],
    [
      "the whole table dropped",
      "DROP TABLE audit",
      /^no audit trail in \S+: its audit table is missing \(dropped, or the file predates the trail\); nothing can/,
    ],
    ["the checkpoint table dropped", "DROP TABLE audit_checkpoint", /: its audit_checkpoint table is missing /],
  ];
  for (const [what, sql, found] of tampering) {
    test(`${what}: exit 1 naming the first bad record`, async () => {
      const copy = join(staff.dir, `tampered-${what.replaceAll(" ", "-")}.db`);
      sqlite(db, `VACUUM INTO '${copy}'`);
      sqlite(copy, sql);
      const r = await audit(["verify", "--db", copy]);
      expect(r.stdout).toMatch(found);
      expect([r.code, r.stderr]).toEqual([1, ""]);
    });
  }
  test("export and archive of a file whose audit table was dropped: one line, exit 2, no stack", async () => {
    const copy = join(staff.dir, "dropped.db");
    sqlite(db, `VACUUM INTO '${copy}'`);
    sqlite(copy, "DROP TABLE audit");
    for (const args of [
      ["export", "--format", "csv", "--from", today, "--to", today],
      ["archive", "--before", today, join(staff.dir, "dropped.jsonl")],
    ]) {
      const r = await audit([...args, "--db", copy]);
      expect([r.code, r.stdout, r.stderr.trim().split("\n")]).toEqual([
        2,
        "",
        [`error: no audit trail in ${copy}: its audit table is missing (dropped, or the file predates the trail)`],
      ]);
    }
  });

  test("export of a trail whose record's time was changed to no time: every record out, that cell says so", async () => {
    // Before: an internal error with a stack (Invalid Date), and no export of a trail just when it was tampered with.
    const copy = join(staff.dir, "timeless.db");
    sqlite(db, `VACUUM INTO '${copy}'`);
    sqlite(copy, "DROP TRIGGER audit_no_update; UPDATE audit SET at_ms = 'noon' WHERE seq = 6");
    for (const format of ["csv", "json"]) {
      const r = await audit(["export", "--db", copy, "--from", today, "--to", today, "--format", format]);
      expect([format, r.code, r.stderr]).toEqual([format, 0, ""]);
      if (format === "csv") expect(parseCsv(r.stdout).find((row) => row[0] === "6")![1]).toBe("not a time: NaN");
      else expect(JSON.parse(r.stdout).entry.length).toBe(10);
    }
    expect((await audit(["verify", "--db", copy])).stdout).toMatch(/^audit record 6: its content was changed/);
  });
});

describe("audit export", () => {
  test("csv: a cell a spreadsheet would read as a formula, spaces before it or not, stays text", () => {
    const record = (reason: string) =>
      ({
        seq: 1,
        atMs: 0,
        actor: "a",
        role: "r",
        via: "v",
        address: "",
        action: "x",
        subject: "s",
        before: "",
        after: "",
        reason,
        prevHash: "",
        hash: "h",
      }) as AuditRecord;
    const cell = (reason: string) => parseCsv(csvRow(record(reason)))[0]![10];
    for (const formula of ["=1+1", "+1", "-2+3", "@SUM(A1)", " -2+3", "  =cmd|' /C calc'!A0", "\t=1", "\r=1"])
      expect([formula, cell(formula)]).toEqual([formula, `'${formula}`]);
    for (const text of ["patient phoned", " plain", "1-2", "a=b"]) expect([text, cell(text)]).toEqual([text, text]);
  });

  test("csv: one parsed row per record, the reason kept as text", async () => {
    const r = await audit(["export", "--db", db, "--from", today, "--to", today, "--format", "csv"]);
    expect(r.code).toBe(0);
    const parsed = parseCsv(r.stdout);
    expect(parsed[0]).toEqual([
      "seq",
      "at",
      "actor",
      "role",
      "via",
      "address",
      "action",
      "subject",
      "before",
      "after",
      "reason",
      "hash",
    ]);
    expect(parsed.length).toBe(11);
    expect(parsed[6]![10]).toBe('patient phoned\u0007 in; "ill"');
    expect(parsed.slice(1).map((row) => row[0])).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
  });

  test("json: a FHIR Bundle of AuditEvent resources; days outside --from/--to give none", async () => {
    const r = await audit(["export", "--db", db, "--from", today, "--to", today, "--format", "json"]);
    const bundle = JSON.parse(r.stdout);
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundle.entry.length).toBe(10);
    const cancelled = bundle.entry[5].resource;
    expect(cancelled).toMatchObject({ resourceType: "AuditEvent", action: "D", outcome: "0" });
    expect(cancelled.agent[0]).toMatchObject({ who: { display: "alice" }, role: [{ text: "front-desk" }] });
    expect(Date.parse(cancelled.recorded)).toBeGreaterThan(0);
    const none = await audit(["export", "--db", db, "--from", "2001-01-01", "--to", "2001-01-02", "--format", "json"]);
    expect(JSON.parse(none.stdout).entry).toEqual([]);
    const bad = await audit(["export", "--db", db, "--from", "yesterday", "--to", today, "--format", "json"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from expects a date YYYY-MM-DD");
  });
});

describe("audit archive", () => {
  test("moves old records to a file, leaves a signed checkpoint; verify starts there and catches a forged one", async () => {
    const copy = join(staff.dir, "archived.db");
    sqlite(db, `VACUUM INTO '${copy}'`);
    const file = join(staff.dir, "audit-archive.jsonl");
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const r = await audit(["archive", "--db", copy, "--before", tomorrow, file]);
    expect(r.stdout).toContain("archived 10 audit records (up to record 10)");
    expect(r.code).toBe(0);
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows(copy)).toEqual([]);
    const v = await audit(["verify", "--db", copy]);
    expect(v.stdout).toMatch(/^audit trail intact: 0 records after the checkpoint at record 10/);
    // The chain continues from the checkpoint.
    const forged = join(staff.dir, "forged.db");
    copyFileSync(copy, forged);
    copyFileSync(`${copy}.audit-key`, `${forged}.audit-key`);
    // A different first digit, whatever it was (a hash that began with "f" once made this forgery a no-op).
    sqlite(forged, "UPDATE audit_checkpoint SET hash = iif(substr(hash, 1, 1) = '0', '1', '0') || substr(hash, 2)");
    const f = await audit(["verify", "--db", forged]);
    expect(f.stdout).toContain("audit checkpoint at record 10 is not signed");
    expect(f.code).toBe(1);
    writeFileSync(`${forged}.audit-key`, "0".repeat(64));
    expect((await audit(["verify", "--db", copy])).code).toBe(0);
  });
});

describe("audit archive of a trail upgraded", () => {
  test("rows 1-5 carrying prev_hash (written before), 6-10 without: verify, archive, the file's links, --archive", async () => {
    const copy = join(staff.dir, "upgraded.db");
    sqlite(db, `VACUUM INTO '${copy}'`);
    sqlite(
      copy,
      "DROP TRIGGER audit_no_update; UPDATE audit SET prev_hash = " +
        `COALESCE((SELECT b.hash FROM audit b WHERE b.seq = audit.seq - 1), '${"0".repeat(64)}') WHERE seq <= 5`,
    );
    expect(rows(copy).map((r) => r.prev_hash !== "")).toEqual([...Array(5).fill(true), ...Array(5).fill(false)]);
    expect((await audit(["verify", "--db", copy])).stdout).toMatch(/^audit trail intact: 10 records; head 10 /);
    const file = join(staff.dir, "upgraded.jsonl");
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await audit(["archive", "--db", copy, "--before", tomorrow, file])).stdout).toContain("archived 10 audit");
    // The file gives every record its link, the ones the table left empty too.
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(lines.map((l) => l.prevHash)).toEqual(["0".repeat(64), ...lines.slice(0, 9).map((l) => l.hash)]);
    const v = await audit(["verify", "--db", copy, "--archive", file]);
    expect(v.stdout).toMatch(
      /^archive \S+ intact: records 1-10, .*\naudit trail intact: 0 records after the checkpoint/,
    );
    expect(v.code).toBe(0);
  });
});

describe("the command line", () => {
  test("audit on a path with no database is refused (exit 2) and creates nothing", async () => {
    const missing = join(staff.dir, "no-such.db");
    for (const args of [
      ["verify"],
      ["export", "--format", "csv", "--from", today, "--to", today],
      ["archive", "--before", today, join(staff.dir, "x.jsonl")],
    ]) {
      const r = await audit([...args, "--db", missing]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no booking database at ${missing}`);
      expect(existsSync(missing)).toBe(false);
    }
  });

  test("staff add/remove with --db and an availability edit are recorded as the operator's, via cli; the chain holds", async () => {
    const file = join(staff.dir, "cli.db");
    const data = join(staff.dir, "cli-data");
    mkdirSync(data);
    writeFileSync(join(data, "users.txt"), "patient1 password111\n");
    const staffCli = (args: string[], stdin = "") =>
      Bun.spawnSync([bun, "roles/healthcenterserver.ts", "staff", ...args, "--data", data, "--db", file], {
        stdin: new TextEncoder().encode(stdin),
      });
    expect(staffCli(["add", "bob", "--role", "admin"], "bob-password-1\n").exitCode).toBe(0);
    expect(staffCli(["remove", "bob"]).exitCode).toBe(0);
    expect((await availability(["--db", file], ...rule_doc1, "--port", "41000", "--reason", "new rota")).code).toBe(0);
    const got = rows(file).map((r) => [r.role, r.via, r.address, r.action, r.subject, r.before, r.after]);
    expect(got.slice(0, 2)).toEqual([
      ["operator", "cli", "", "staff.added", "staff bob", "", '{"role":"admin"}'],
      ["operator", "cli", "", "staff.removed", "staff bob", '{"role":"admin"}', ""],
    ]);
    expect(got[2]!.slice(0, 5)).toEqual(["operator", "cli", "", "availability.changed", "add a rule for doc1"]);
    expect(String(got[2]![6])).toContain("slots in the next");
    expect(rows(file)[2]!.reason).toBe("new rota");
    expect(JSON.stringify(rows(file))).not.toContain("argon2id");
    const v = await audit(["verify", "--db", file]);
    expect(v.stdout).toMatch(/^audit trail intact: 3 records/);
  });
});

/** RFC 4180, as a spreadsheet would read it. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      out.push(row);
      (row = []), (field = ""), i++;
    } else field += ch;
  }
  return out;
}

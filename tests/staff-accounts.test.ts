import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./helpers.ts";
import { availability } from "./calendar-helpers.ts";

function staff(dir: string, args: string[], stdin = "") {
  const proc = Bun.spawnSync([process.execPath, "roles/healthcenterserver.ts", "staff", ...args, "--data", dir], {
    cwd: root,
    stdin: new TextEncoder().encode(stdin),
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "staff-"));
  writeFileSync(join(dir, "users.txt"), "patient1 password1\n");
  return dir;
}

describe("healthcenterserver staff", () => {
  test("add, list, passwd and remove keep staff.txt with argon2id hashes, owner and mode", async () => {
    const dir = dataDir();
    expect(staff(dir, ["add", "alice", "--role", "front-desk"], "alice-secret-1\n").code).toBe(0);
    expect(staff(dir, ["add", "drwho", "--role", "doctor", "--doctor", "doc1"], "doctor-secret-1\n").code).toBe(0);
    const file = join(dir, "staff.txt");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(lines.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["alice front-desk", "drwho doctor"]);
    const aliceHash = lines[0]!.split(" ")[2]!;
    expect(await Bun.password.verify("alice-secret-1", aliceHash)).toBe(true);
    expect(staff(dir, ["list"]).out).toBe("alice\tfront-desk\ndrwho\tdoctor\tdoc1\n");

    const { chmodSync } = await import("node:fs");
    chmodSync(file, 0o640);
    expect(staff(dir, ["passwd", "alice"], "another-secret\n").code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    const after = readFileSync(file, "utf8")
      .split("\n")
      .find((l) => l.startsWith("alice "))!;
    expect(await Bun.password.verify("another-secret", after.split(" ")[2]!)).toBe(true);

    expect(staff(dir, ["remove", "drwho"]).code).toBe(0);
    expect(staff(dir, ["list"]).out).toBe("alice\tfront-desk\n");
  });

  test("bad input is one line, exit 2, and changes nothing", () => {
    const dir = dataDir();
    expect(staff(dir, ["add", "alice", "--role", "front-desk"], "alice-secret-1\n").code).toBe(0);
    const before = readFileSync(join(dir, "staff.txt"), "utf8");
    const cases: [string[], string, RegExp][] = [
      [["add", "bob", "--role", "frontdesk"], "long-enough-1\n", /unknown role frontdesk; did you mean front-desk\?/],
      [["add", "bob"], "long-enough-1\n", /give --role/],
      [["add", "bob smith", "--role", "admin"], "long-enough-1\n", /a staff name is 1 to 64/],
      [["add", "x".repeat(10_000), "--role", "admin"], "long-enough-1\n", /a staff name is 1 to 64/],
      [["add", "bob", "--role", "doctor"], "long-enough-1\n", /--doctor doc1/],
      [["add", "alice", "--role", "admin"], "long-enough-1\n", /already a staff member/],
      [["add", "bob", "--role", "admin"], "short\n", /at least 8 characters/],
      [["remove", "alcie"], "", /unknown staff member alcie.*did you mean alice/],
      [["fire", "alice"], "", /unknown staff command fire/],
    ];
    for (const [args, stdin, message] of cases) {
      const r = staff(dir, args, stdin);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
      expect(r.err.trim().split("\n").length).toBeLessThanOrEqual(2);
      expect(readFileSync(join(dir, "staff.txt"), "utf8")).toBe(before);
    }
  });

  test("a --db that cannot record the change (no such folder, not a database, PostgreSQL down) changes nothing", () => {
    // Before, staff.txt was rewritten first and the trail failed after: the account existed, unrecorded, while the
    // command said error (exit 2 or 3).
    const dir = dataDir();
    expect(staff(dir, ["add", "alice", "--role", "front-desk"], "alice-secret-1\n").code).toBe(0);
    const before = readFileSync(join(dir, "staff.txt"), "utf8");
    writeFileSync(join(dir, "not-a.db"), "plain text, not SQLite\n");
    const dbs: [string, number][] = [
      [join(dir, "no-such-folder", "bookings.db"), 2],
      [join(dir, "not-a.db"), 2],
      ["postgres://appointments@127.0.0.1:1/appointments", 3],
    ];
    for (const [db, code] of dbs) {
      for (const [args, stdin] of [
        [["add", "bob", "--role", "admin"], "long-enough-1\n"],
        [["passwd", "alice"], "another-secret\n"],
        [["remove", "alice"], ""],
      ] as [string[], string][]) {
        const r = staff(dir, [...args, "--db", db], stdin);
        expect({ db, args, code: r.code }).toEqual({ db, args, code });
        expect(readFileSync(join(dir, "staff.txt"), "utf8")).toBe(before);
      }
    }
  });

  test("a doctor account for a doctor no schedule knows is refused in one line naming the known ones", async () => {
    const dir = dataDir();
    writeFileSync(join(dir, "availabilities.txt"), "1 Tue 01pm doc1 41000\n2 Mon 03pm doc2 42000\n");
    const refused = staff(dir, ["add", "drx", "--role", "doctor", "--doctor", "doc3"], "doctor-secret-1\n");
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split("\n")).toHaveLength(1);
    expect(refused.err).toContain("unknown doctor doc3 (known: doc1, doc2); did you mean doc1?");
    expect(statSync(join(dir, "staff.txt"), { throwIfNoEntry: false })).toBeUndefined();
    expect(staff(dir, ["add", "drx", "--role", "doctor", "--doctor", "doc2"], "doctor-secret-1\n").code).toBe(0);
    // A calendar names its doctors in the database: doc7 there, no availabilities.txt here.
    const calendar = dataDir();
    const db = join(calendar, "cal.db");
    const rule = ["--days", "mon-fri", "--start", "09:00", "--end", "12:00", "--minutes", "15", "--port", "47000"];
    expect((await availability(["--db", db], "add", "doc7", ...rule)).code).toBe(0);
    const onCalendar = (doctor: string) =>
      staff(calendar, ["add", "dr", "--role", "doctor", "--doctor", doctor, "--db", db], "doctor-secret-1\n");
    const wrong = onCalendar("doc1");
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("unknown doctor doc1 (known: doc7)");
    expect(onCalendar("doc7").code).toBe(0);
    expect(staff(calendar, ["list"]).out).toBe("dr\tdoctor\tdoc7\n");
    // Nothing says which doctors exist (no availabilities.txt, or one that does not parse; no database): any name.
    expect(staff(dataDir(), ["add", "dry", "--role", "doctor", "--doctor", "doc9"], "doctor-secret-1\n").code).toBe(0);
    const broken = dataDir();
    writeFileSync(join(broken, "availabilities.txt"), "not a schedule\n");
    expect(staff(broken, ["add", "dry", "--role", "doctor", "--doctor", "doc9"], "doctor-secret-1\n").code).toBe(0);
  });

  test("a doctor account's doctor is matched as the protocol matches doctors (doctor1 and DOC1 are doc1); a bad name says why", () => {
    const dir = dataDir();
    writeFileSync(join(dir, "availabilities.txt"), "1 Tue 01pm doc1 41000\n2 Mon 03pm doc2 42000\n");
    const added = staff(dir, ["add", "drone", "--role", "doctor", "--doctor", "doctor1"], "doctor-secret-1\n");
    expect([added.code, added.err]).toEqual([0, expect.not.stringContaining("error")]);
    expect(staff(dir, ["add", "drtwo", "--role", "doctor", "--doctor", "DOC2"], "doctor-secret-1\n").code).toBe(0);
    expect(staff(dir, ["list"]).out).toBe("drone\tdoctor\tdoc1\ndrtwo\tdoctor\tdoc2\n");
    // Nothing to check against: doctorN is still written docN, as the data files write it.
    const bare = dataDir();
    expect(staff(bare, ["add", "dr", "--role", "doctor", "--doctor", "Doctor4"], "doctor-secret-1\n").code).toBe(0);
    expect(staff(bare, ["add", "dr5", "--role", "doctor", "--doctor", "DOC5"], "doctor-secret-1\n").code).toBe(0);
    expect(staff(bare, ["list"]).out).toBe("dr\tdoctor\tdoc4\ndr5\tdoctor\tdoc5\n");
    for (const [given, why] of [
      ["doc 1", 'bad doctor name "doc 1": letters, digits, _ and - only (at most 64)'],
      ["x".repeat(65), `bad doctor name "${"x".repeat(65)}": letters, digits, _ and - only (at most 64)`],
    ]) {
      const r = staff(dir, ["add", "drbad", "--role", "doctor", "--doctor", given!], "doctor-secret-1\n");
      expect([r.code, r.err.trim()]).toEqual([2, `error: --doctor: ${why}`]);
    }
    expect(staff(dir, ["list"]).out).toBe("drone\tdoctor\tdoc1\ndrtwo\tdoctor\tdoc2\n");
  });
});

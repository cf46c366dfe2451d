// `healthcenterserver check` and `doctor check`: everything start-up reads is checked, nothing is
// started or written, and the exit code says which (0 fine, 2 a problem the operator can fix).
import { afterAll, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, root, runToEnd, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const example = join(root, "deploy", "deploy.example.toml");
const server = (...args: string[]) => runToEnd([bun, join(root, "roles", "healthcenterserver.ts"), "check", ...args]);
const doctor = (...args: string[]) => runToEnd([bun, join(root, "roles", "doctor.ts"), "check", ...args]);

test("check on the example deployment passes (exit 0), says what it checked, and creates no database", async () => {
  const db = join(tmp.dir, "never-created.db");
  const r = await server("--config", example, "--db", db);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("ok: data in the embedded seed data: 2 users, 6 slots, doctors doc1, doc2");
  expect(r.stdout).toContain(`ok: database ${db} does not exist yet`);
  expect(r.stdout).toContain("ok: staff page on 127.0.0.1:21080");
  expect(existsSync(db)).toBe(false);
});

test("check on a users.txt with no users passes (exit 0) with the warning start-up gives", async () => {
  const data = await writeDataDir(join(tmp.dir, "nobody"), 6, { "users.txt": "# nobody yet\n" });
  const r = await server("--data", data, "--db", join(tmp.dir, "nobody.db"));
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("0 users");
  expect(r.stderr).toContain("has no users, so no patient could log in; add one with `healthcenterserver users add");
});

test("check finds a broken data file, a file that is not a database, and a short staff token (exit 2 each)", async () => {
  const data = await writeDataDir(join(tmp.dir, "broken"), 4, {
    "availabilities.txt": "1 Mon 09am doc1 41000\nnot a slot line\n",
  });
  const badData = await server("--data", data, "--db", join(tmp.dir, "a.db"));
  expect(badData.code).toBe(2);
  expect(badData.stderr).toContain("availabilities.txt line 2");
  const garbage = join(tmp.dir, "garbage.db");
  writeFileSync(
    garbage,
    "this is not a database, and it is long enough to have a header......................................",
  );
  const badDb = await server("--db", garbage);
  expect(badDb.code).toBe(2);
  expect(badDb.stderr).toContain("cannot be used as the booking database");
  const token = join(tmp.dir, "short.token");
  writeFileSync(token, "short\n");
  const badToken = await server("--db", join(tmp.dir, "b.db"), "--http", "127.0.0.1:0", "--staff-token-file", token);
  expect(badToken.code).toBe(2);
  expect(badToken.stderr).toContain("--staff-token-file");
});

test("check reads an existing database without changing it and counts its bookings", async () => {
  const db = join(tmp.dir, "existing.db");
  const { Database } = await import("bun:sqlite");
  const d = new Database(db, { create: true });
  d.run("CREATE TABLE bookings (slot INTEGER PRIMARY KEY, patient TEXT NOT NULL, booked_at INTEGER NOT NULL)");
  d.run("INSERT INTO bookings VALUES (2, 'patient1', 0), (99, 'patient2', 0)");
  d.close();
  const before = await Bun.file(db).bytes();
  const r = await server("--db", db);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`ok: database ${db}: 2 bookings`);
  expect(r.stdout).toContain("1 of them for slots not in the schedule");
  expect(await Bun.file(db).bytes()).toEqual(before);
});

test("doctor check passes for every configured doctor, and fails (exit 2) on a missing price file", async () => {
  const ok = await doctor("--config", example);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain("ok: doc1 would listen on 0.0.0.0:41000 with 3 prices");
  expect(ok.stdout).toContain("ok: doc2 would listen on 0.0.0.0:42000");
  const missing = await doctor("doc7", "--data", await writeDataDir(join(tmp.dir, "nodoc7"), 2));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("doc7.txt");
});

test("--db naming the deployment file's own database, spelt another way, is no disagreement; another file is", async () => {
  const config = join(tmp.dir, "same-db.toml");
  writeFileSync(config, '[server]\ndb = "same.db"\n');
  const same = await server("--config", config, "--db", `${tmp.dir}/sub/../same.db`);
  expect(same.code).toBe(0);
  expect(same.stderr).not.toContain("overrides db");
  const other = await server("--config", config, "--db", join(tmp.dir, "other.db"));
  expect(other.stderr).toContain(`--db "${join(tmp.dir, "other.db")}" overrides db = "${join(tmp.dir, "same.db")}"`);
});

test("check reports a type whose own rules reach beyond the server's horizon (never bookable)", async () => {
  const db = join(tmp.dir, "long-type.db");
  const calendar = (...args: string[]) =>
    runToEnd([bun, join(root, "roles", "healthcenterserver.ts"), ...args, "--db", db, "--time-zone", "UTC"]);
  const hours = ["--days", "mon-fri", "--start", "09:00", "--end", "12:00", "--minutes", "30", "--port", "41000"];
  expect((await calendar("availability", "add", "doc1", ...hours)).code).toBe(0);
  const long = ["types", "add", "long", "--minutes", "30", "--min-notice", "20w", "--horizon-weeks", "26"];
  expect((await calendar(...long)).code).toBe(0);
  const r = await server("--db", db, "--time-zone", "UTC");
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(
    "warning: type long: min notice 20w is not within the horizon of 8 weeks (--horizon-weeks): " +
      "no slot could be booked",
  );
  const wide = await server("--db", db, "--time-zone", "UTC", "--horizon-weeks", "26");
  expect([wide.code, wide.stderr]).toEqual([0, ""]);
});

// Faults on the booking database file, made by real processes: a writer holding the lock, and files
// start-up must refuse. A file deleted or replaced under a running server: database-restore.test.ts.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { database_schema_version } from "../shared/limits.ts";
import {
  asNobody,
  bun,
  child_env,
  login,
  Output,
  programsForAnyUser,
  readBookings,
  root,
  runToEnd,
  startServer,
  tempDir,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const lock_holder = `
  import { Database } from "bun:sqlite";
  const db = new Database(process.argv[1]);
  db.run("BEGIN IMMEDIATE");
  db.run("INSERT INTO bookings (slot, patient, booked_at) VALUES (6, 'admin', 0)");
  console.log("locked");
  for await (const _ of Bun.stdin.stream()) {}
  db.run(process.argv[2] === "commit" ? "COMMIT" : "ROLLBACK");
  db.close();
`;

/** Another process that holds the database's write lock until its stdin closes. */
async function holdLock(db: string, then: "commit" | "rollback") {
  const proc = Bun.spawn([bun, "-e", lock_holder, db, then], {
    cwd: root,
    env: child_env,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  await new Output(proc.stdout).waitFor(/locked/);
  return {
    release: async () => {
      await proc.stdin.end();
      return proc.exited;
    },
  };
}

function sqlite(db: string, ...statements: string[]): void {
  const d = new Database(db, { create: true });
  for (const s of statements) d.run(s);
  d.close();
}

const v0_table = "CREATE TABLE bookings (slot INTEGER PRIMARY KEY, patient TEXT NOT NULL, booked_at INTEGER NOT NULL)";

describe("a write lock held by another process", () => {
  test("logins and available keep answering; the waiting booking answers an error in bounded time, never a confirmation", async () => {
    const db = join(tmp.dir, "locked.db");
    const server = await startServer(["--db", db]);
    try {
      const holder = await holdLock(db, "rollback");
      const waiting = await login(server.port);
      const sent = Date.now();
      waiting.write("selection 1\n");
      const reply = waiting.line();

      const started = Date.now();
      const other = await login(server.port, "patient2", "password222");
      expect((await other.available()).length).toBe(5);
      const servedMs = Date.now() - started;
      expect(servedMs).toBeLessThan(1_000);

      expect(await reply).toMatch(/^error /);
      const waitedMs = Date.now() - sent;
      expect(waitedMs).toBeLessThan(4_000);
      expect(waitedMs).toBeGreaterThan(servedMs);
      expect(await holder.release()).toBe(0);

      // With the lock free again, the same slot is booked and stored.
      expect(await waiting.request("selection 1")).toBe("doc1 41000");
      waiting.close();
      other.close();
    } finally {
      await server.stop();
    }
    expect([...readBookings(db)]).toEqual([[1, "patient1"]]);
  });

  test("a lock released within the wait: the booking is confirmed and stored once", async () => {
    const db = join(tmp.dir, "released.db");
    const server = await startServer(["--db", db]);
    try {
      const holder = await holdLock(db, "commit");
      const c = await login(server.port);
      c.write("selection 3\n");
      const reply = c.line();
      // The server is retrying now; a login proves it is serving, then the lock goes.
      (await login(server.port, "patient2", "password222")).close();
      await holder.release();
      expect(await reply).toBe("doc1 41000");
      c.close();
    } finally {
      await server.stop();
    }
    expect([...readBookings(db)].sort()).toEqual([
      [3, "patient1"],
      [6, "admin"],
    ]);
  });
});

describe("start-up refuses a database it cannot trust, exit 2, naming the file and the fault", () => {
  async function startOn(db: string, prefix: string[] = []) {
    return runToEnd([...prefix, bun, "roles/healthcenterserver.ts", "--host", "127.0.0.1", "--port", "0", "--db", db]);
  }

  const refusals: [string, string[], RegExp][] = [
    [
      "a TEXT slot key",
      ["CREATE TABLE bookings (slot TEXT PRIMARY KEY, patient TEXT NOT NULL, booked_at INTEGER NOT NULL)"],
      /bookings table unlike this program's: .*slot TEXT/,
    ],
    [
      "an extra CHECK constraint",
      [
        "CREATE TABLE bookings (slot INTEGER PRIMARY KEY, patient TEXT NOT NULL CHECK (patient != 'patient1'), booked_at INTEGER NOT NULL)",
      ],
      /bookings table unlike this program's/,
    ],
    [
      "a trigger on bookings",
      [
        v0_table,
        "CREATE TRIGGER no_sat BEFORE INSERT ON bookings WHEN NEW.slot = 5 BEGIN SELECT RAISE(ABORT, 'no'); END",
      ],
      /constraints on bookings .*trigger no_sat/,
    ],
    [
      "a unique index on bookings",
      [v0_table, "CREATE UNIQUE INDEX one_each ON bookings (patient)"],
      /constraints on bookings .*index one_each/,
    ],
    [
      "another program's database",
      ["CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)"],
      /is not a booking database \(it has customers and no bookings table\)/,
    ],
    [
      "a newer schema version",
      [v0_table, "PRAGMA user_version = 99"],
      new RegExp(`schema version 99, newer than this program's ${database_schema_version}`),
    ],
  ];
  for (const [what, statements, problem] of refusals) {
    test(`${what}`, async () => {
      const db = join(tmp.dir, `${what.replaceAll(" ", "-")}.db`);
      sqlite(db, ...statements);
      const r = await startOn(db);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(problem);
      expect(r.stderr).not.toContain("    at ");
      expect(r.stdout).not.toContain("has port number");
      // `check` (read-only) refuses what start-up refuses, with the same words.
      const checked = await runToEnd([bun, "roles/healthcenterserver.ts", "check", "--db", db]);
      expect(checked.code).toBe(2);
      expect(checked.stderr).toMatch(problem);
    });
  }

  test("a read-only database file", async () => {
    const dir = join(tmp.dir, "readonly");
    const db = join(dir, "b.db");
    sqlite(join(tmp.dir, "readonly-seed.db"), v0_table, `PRAGMA user_version = ${database_schema_version}`);
    await Bun.write(db, Bun.file(join(tmp.dir, "readonly-seed.db")));
    chmodSync(db, 0o444);
    // Run as another user (root writes any file), from a copy that user can reach wherever the checkout is.
    const server = await programsForAnyUser(join(tmp.dir, "readonly", "dist"));
    const r = await runToEnd([...asNobody(), server, "--host", "127.0.0.1", "--port", "0", "--db", db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${db}: is read-only`);
  });

  test("this project's version-0 database is migrated forward, keeping its bookings", async () => {
    const db = join(tmp.dir, "v0.db");
    sqlite(db, v0_table, "INSERT INTO bookings VALUES (4, 'patient2', 0)");
    const server = await startServer(["--db", db]);
    try {
      expect(server.stdout.text).toContain("1 booked in");
      const c = await login(server.port);
      expect(await c.request("selection 4")).toBe("notavailable");
      c.close();
    } finally {
      await server.stop();
    }
    const d = new Database(db, { readonly: true });
    expect((d.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(
      database_schema_version,
    );
    expect(
      d.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'bookings_by_patient'").get(),
    ).not.toBeNull();
    d.close();
    expect([...readBookings(db)]).toEqual([[4, "patient2"]]);
  });
});

describe("two servers on one SQLite file", () => {
  /** The pids holding a POSIX lock on `path` (/proc/locks names the file by device and inode). */
  function posixLockers(path: string): Set<number> {
    const { ino } = statSync(path);
    const lines = readFileSync("/proc/locks", "utf8").split("\n");
    const holders = lines
      .map((l) => l.replace(/^\d+:\s+(->\s+)?/, "").split(/\s+/))
      .filter((w) => w[0] === "POSIX" && Number(w[4]?.split(":")[2]) === ino)
      .map((w) => Number(w[3]));
    return new Set(holders);
  }

  test("the second is refused (exit 2) unless --shared-sqlite, naming the file and pointing at PostgreSQL", async () => {
    const dbPath = join(tmp.dir, "refused-file.db");
    const first = await startServer(["--db", dbPath]);
    try {
      const second = await runToEnd([bun, "roles/healthcenterserver.ts", "--port", "0", "--db", dbPath]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`${dbPath}: is used by another server already`);
      expect(second.stderr).toContain("--shared-sqlite");
      expect(second.stderr).toContain("PostgreSQL");
      const c = await login(first.port); // the first keeps serving
      expect(await c.request("selection 4")).toBe("doc1 41000");
      c.close();
    } finally {
      await first.stop();
    }
  });

  test("with --shared-sqlite the second starts, warned; it keeps SQLite's own POSIX locks (/proc/locks); booking still has one winner", async () => {
    const dbPath = join(tmp.dir, "shared-file.db");
    const first = await startServer(["--db", dbPath]);
    const second = await startServer(["--db", dbPath, "--shared-sqlite"]);
    try {
      await second.stderr.waitFor(/another server is already using .*shared-file\.db.*PostgreSQL/s);
      expect(first.stderr.text).not.toContain("another server");
      const a = await login(first.port);
      const b = await login(second.port, "patient2", "password222");
      expect(await a.request("selection 4")).toBe("doc1 41000");
      expect(await b.request("selection 4")).toBe("notavailable");
      expect(await b.request("selection 5")).toMatch(/^doc\d \d+$/);
      // Both processes hold their SQLite locks on the file (closing a descriptor would have dropped the second's).
      const lockers = posixLockers(dbPath);
      expect(lockers.has(first.proc.pid)).toBe(true);
      expect(lockers.has(second.proc.pid)).toBe(true);
      a.close();
      b.close();
    } finally {
      await second.stop();
      await first.stop();
    }
    expect(readBookings(dbPath).get(4)).toBe("patient1");
    // Once the first has stopped, a server on the file is alone and says nothing.
    const alone = await startServer(["--db", dbPath]);
    try {
      const c = await login(alone.port);
      expect(await c.request("ping")).toBe("pong");
      c.close();
      expect(alone.stderr.text).not.toContain("another server");
    } finally {
      await alone.stop();
    }
  });
});

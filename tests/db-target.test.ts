// What --db names, the PostgreSQL password's sources, and the change notices instances exchange: pure parsing.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseDbTarget, readDbPassword } from "../roles/healthcenterserver/store/db-target.ts";
import { changeNotices, parseChangeNotice } from "../roles/healthcenterserver/store/postgres/pg-committer.ts";
import { decodeAnswers, touchedSlots, unknown_holder } from "../roles/healthcenterserver/store/postgres/pg-changes.ts";
import type { Change } from "../roles/healthcenterserver/store/appointment-store.ts";
import { parseConfig } from "../shared/config.ts";
import { UsageError } from "../shared/errors.ts";
import { database_notify_bytes_max } from "../shared/limits.ts";
import { tempDir } from "./helpers.ts";

describe("--db", () => {
  test("a path is SQLite; a postgres:// URL is PostgreSQL, with the default port and the address it will name", () => {
    expect(parseDbTarget("bookings.db")).toEqual({ kind: "sqlite", path: "bookings.db" });
    expect(parseDbTarget("postgres://appt@db.example.org/clinic")).toMatchObject({
      kind: "postgres",
      host: "db.example.org",
      port: 5432,
      database: "clinic",
      user: "appt",
      shown: "db.example.org:5432/clinic",
    });
    expect(parseDbTarget("postgresql://[::1]:6543/c?sslmode=verify-full")).toMatchObject({
      host: "::1",
      port: 6543,
      database: "c",
      user: undefined,
    });
  });

  test("a password in the URL, a URL without a database, or a broken URL is a usage error", () => {
    expect(() => parseDbTarget("postgres://appt:secret@db/clinic")).toThrow(/--db-password-file FILE or PGPASSWORD/);
    expect(() => parseDbTarget("postgres://appt@db/")).toThrow(UsageError);
    expect(() => parseDbTarget("postgres://appt@db:notaport/clinic")).toThrow(UsageError);
  });

  test("the password: the file's first line, else PGPASSWORD, else none; an empty file is an error", async () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, "pw");
      await Bun.write(file, "s3cret\nignored\n");
      expect(readDbPassword(file, { PGPASSWORD: "env" })).toBe("s3cret");
      expect(readDbPassword(undefined, { PGPASSWORD: "env" })).toBe("env");
      expect(readDbPassword(undefined, {})).toBeUndefined();
      await Bun.write(file, "\n");
      expect(() => readDbPassword(file, {})).toThrow(/is empty/);
      expect(() => readDbPassword(join(tmp.dir, "missing"), {})).toThrow(UsageError);
    } finally {
      tmp.cleanup();
    }
  });

  test("the deployment file keeps a postgres:// db as it is and resolves db_password_file beside itself", () => {
    const config = parseConfig(
      { server: { db: "postgres://appt@db/clinic", db_password_file: "pgpass" } },
      "deploy.toml",
      "/etc/appt",
    );
    expect(config.server.db).toBe("postgres://appt@db/clinic");
    expect(config.server.dbPasswordFile).toBe("/etc/appt/pgpass");
    expect(parseConfig({ server: { db: "b.db" } }, "deploy.toml", "/etc/appt").server.db).toBe("/etc/appt/b.db");
  });
});

describe("change notices", () => {
  test("round-trip, split under PostgreSQL's payload limit; anything else is not ours", () => {
    const slots = Array.from({ length: 5_000 }, (_, i) => 100_000 + i);
    const notices = changeNotices("abc123", slots);
    expect(notices.length).toBeGreaterThan(1);
    for (const n of notices) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(database_notify_bytes_max);
    expect(notices.flatMap((n) => parseChangeNotice(n)!.slots)).toEqual(slots);
    expect(parseChangeNotice(notices[0]!)!.instance).toBe("abc123");
    expect(changeNotices("abc", [])).toEqual([]);
    for (const bad of ["", "abc", "abc 1,,2", "abc 1,x", "a b 1"]) expect(parseChangeNotice(bad)).toBeUndefined();
  });
});

describe("PostgreSQL change answers", () => {
  const answer = (
    done: boolean,
    holder: string | null,
    held: number | null = null,
    from_holder: string | null = null,
  ) => [{ done, holder, held, from_holder }];

  test("each statement's one row becomes the store's result (after the lock statement's)", () => {
    const batch: Change[] = [
      { kind: "book", index: 1, patient: "p1" },
      { kind: "book", index: 2, patient: "p1" },
      { kind: "book", index: 3, patient: "p2" },
      { kind: "book", index: 4, patient: "p2" },
      { kind: "cancel", index: 5, patient: "p1" },
      { kind: "cancel", index: 6, patient: "p1" },
      { kind: "move", from: 7, to: 8, patient: "p1" },
      { kind: "move", from: 9, to: 10, patient: "p1" },
      { kind: "move", from: 11, to: 12, patient: "p1" },
    ];
    const answers = [
      [{}], // the patients' locks
      answer(true, null, 0),
      answer(false, "p1", 3),
      answer(false, "p9", 1),
      answer(false, null, 1),
      answer(true, "p1"),
      answer(false, null),
      answer(true, "p1", null, "p1"),
      answer(false, null, null, "p7"),
      answer(false, "p5", null, "p1"),
    ];
    expect(decodeAnswers(batch, answers, 1, 3)).toEqual([
      { kind: "done" },
      { kind: "limit", held: 3 },
      { kind: "taken", holder: "p9" },
      { kind: "taken", holder: unknown_holder },
      { kind: "done" },
      { kind: "notyours", holder: "" },
      { kind: "done" },
      { kind: "notyours", holder: "p7" },
      { kind: "taken", holder: "p5" },
    ]);
    expect(touchedSlots(batch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test("without a limit, a booking that was not stored is taken, never limit", () => {
    expect(decodeAnswers([{ kind: "book", index: 1, patient: "p1" }], [answer(false, "p2", 50)], 0, 0)).toEqual([
      { kind: "taken", holder: "p2" },
    ]);
  });
});

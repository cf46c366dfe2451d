// SQLite's WAL is checkpointed after sqlite_wal_checkpoint_pages pages, not SQLite's default 1,000
// (docs/PERFORMANCE.md: fewer, larger checkpoints cost each booking's pages less), and cut back to
// sqlite_wal_bytes_kept after one: on the calendar's connection and on the classic store's.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { sqlite_wal_bytes_kept, sqlite_wal_checkpoint_pages } from "../shared/limits.ts";
import { SqliteCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { BookingStore } from "../roles/healthcenterserver/store/sqlite/store.ts";
import { tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const pragma = (db: { query(sql: string): { get(): unknown } }, name: string) =>
  Object.values(db.query(`PRAGMA ${name}`).get() as Record<string, number>)[0];

test("the calendar's and the classic store's connections checkpoint at the configured size", () => {
  const cal = SqliteCalendarDb.open(join(tmp.dir, "cal.db"));
  expect(pragma(cal.db, "wal_autocheckpoint")).toBe(sqlite_wal_checkpoint_pages);
  expect(pragma(cal.db, "journal_size_limit")).toBe(sqlite_wal_bytes_kept);
  cal.db.close();
  const classic = new BookingStore(join(tmp.dir, "classic.db"));
  const db = (classic as unknown as { db: SqliteCalendarDb["db"] }).db;
  expect(pragma(db, "wal_autocheckpoint")).toBe(sqlite_wal_checkpoint_pages);
  expect(pragma(db, "journal_size_limit")).toBe(sqlite_wal_bytes_kept);
  expect(sqlite_wal_checkpoint_pages).toBeGreaterThan(1_000);
  db.close();
});

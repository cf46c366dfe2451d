// PostgreSQL's migration 9 (the audit trail's followers) while a server of the version before keeps
// booking, as docs/SCALING.md has it during an upgrade: a record that server appends while the
// migration runs is either in the history's index or past the index's cursor, never lost between the
// two (the migration's statements each read the trail at a different moment).
import { expect } from "bun:test";
import { SQL } from "bun";
import { appendAuditRecords } from "../roles/healthcenterserver/store/audit-records.ts";
import { PgCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { migrate } from "../roles/healthcenterserver/store/postgres/pg-schema.ts";
import { pg_password } from "./pg-helpers.ts";
import { postgresForFile } from "./pg-file.ts";

const cluster = postgresForFile();
const pgTest = cluster.pgTest;

const record = (subject: string) => ({
  atMs: Date.now(),
  actor: "patient1",
  role: "patient",
  via: "tcp",
  address: "127.0.0.1",
  action: "booking.booked",
  subject,
  before: "",
  after: '{"patient":"patient1"}',
  reason: "",
});

pgTest("a record appended by an older server while migration 9 runs is found by the history", async () => {
  cluster.pg.createDatabase("upgrade");
  const open = () => new SQL({ url: cluster.pg.url("upgrade"), password: pg_password, max: 1 });
  const setup = open();
  await migrate(setup, "test");
  await setup.begin((tx) => appendAuditRecords(new PgCalendarDb(tx as unknown as SQL), [record("slot 1")]));
  // The database as version 8 left it: the index by subject, no followers (9), no rules' zone (10), no
  // moved message's old start (11).
  await setup.unsafe(`DROP TABLE audit_followers; DROP TABLE audit_subjects; ALTER TABLE calendar_state DROP COLUMN zone;
    ALTER TABLE outbox DROP COLUMN old_start_ms;
    CREATE INDEX audit_by_subject ON audit (subject); UPDATE appointments_schema SET version = 8`);
  await setup.close();

  // The older server's booking: its record appended (under the trail's lock, as version 8 did), not yet committed.
  const older = open();
  const gate = Promise.withResolvers<void>();
  const appended = Promise.withResolvers<void>();
  const committed = older.begin(async (tx) => {
    await appendAuditRecords(new PgCalendarDb(tx as unknown as SQL), [record("slot 2")]);
    appended.resolve();
    await gate.promise;
  });
  // Appended (the trail's lock held) before the migration starts, however loaded the machine.
  await appended.promise;
  const commit = () => gate.resolve();
  const newer = open();
  const migrated = migrate(newer, "test");
  // The migration waits for that transaction somewhere (the trail's lock, or DROP INDEX's table lock)...
  const watch = open();
  for (let i = 0; i < 200; i++) {
    const waiting = await watch`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = 'upgrade' AND wait_event_type = 'Lock'`;
    if (waiting[0].n > 0) break;
    await Bun.sleep(25);
  }
  // ...and the booking commits meanwhile.
  commit();
  await committed;
  expect(await migrated).toBe(8);
  const lost =
    await watch`SELECT seq FROM audit a WHERE seq <= (SELECT seq FROM audit_followers WHERE name = 'subjects')
    AND NOT EXISTS (SELECT 1 FROM audit_subjects s WHERE s.seq = a.seq)`;
  expect(lost).toEqual([]);
  for (const c of [older, newer, watch]) await c.close();
});

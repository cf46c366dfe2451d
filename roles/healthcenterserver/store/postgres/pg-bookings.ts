// Opens the PostgreSQL booking store: connect (waiting a bounded time for a database that is not up
// yet), migrate the schema, and wire the committer to the mirror that keeps the schedule current
// with the other instances.
import type { SQL } from "bun";
import * as limits from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import type { PostgresTarget } from "../db-target.ts";
import { change_channel, PgCommitter } from "./pg-committer.ts";
import { PgStore } from "./pg-store.ts";
import { routeBunSqlWarnings } from "./bun-sql-warnings.ts";
import { PgMirror, type MirrorRow, type MirrorSource } from "./pg-mirror.ts";
import { openMigrated } from "./pg-connect.ts";
import type { Schedule } from "../../booking/schedule.ts";

/** What the mirror follows for the classic store: the bookings table, one row per booked slot. */
export function bookingsSource(sql: SQL): MirrorSource {
  return {
    channel: change_channel,
    read: async (slots) =>
      (await sql`SELECT slot, patient FROM bookings WHERE slot = ANY(${slots}::int[])`.execute()) as MirrorRow[],
  };
}

export async function openPostgres(
  target: PostgresTarget,
  password: string | undefined,
  waitMs: number,
  schedule: Schedule,
  log: Log,
  bookingsPerPatient = 0,
): Promise<PgStore> {
  routeBunSqlWarnings(log);
  let onConnectionLost = () => {};
  const sql = await openMigrated(target, password, waitMs, log, () => onConnectionLost());
  const instance = crypto.randomUUID().slice(0, 13);
  const mirror = new PgMirror(sql, schedule, instance, target.shown, log, bookingsSource(sql));
  onConnectionLost = () => mirror.connectionLost();
  const committer = new PgCommitter(
    sql,
    instance,
    mirror,
    async () => {
      await mirror.close();
      await sql.close({ timeout: limits.shutdown_grace_ms / 1000 });
    },
    bookingsPerPatient,
  );
  committer.onRetry = (why) =>
    log.warn(`PostgreSQL rolled a batch back (${why}); it is tried once more`, { cause: "PostgreSQL batch retries" });
  return new PgStore(target.shown, sql, committer, mirror);
}

// Opens the PostgreSQL booking store: connect (waiting a bounded time for a database that is not up
// yet), migrate the schema, and wire the committer to the mirror that keeps the schedule current
// with the other instances.
import { SQL } from "bun";
import { DataError, NetworkError } from "../../../../shared/errors.ts";
import * as limits from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import type { PostgresTarget } from "../db-target.ts";
import { PgCommitter, withinTimeout } from "./pg-committer.ts";
import { PgStore } from "./pg-store.ts";
import { routeBunSqlWarnings } from "./bun-sql-warnings.ts";
import { PgMirror } from "./pg-mirror.ts";
import { migrate } from "./pg-schema.ts";
import type { Schedule } from "../../booking/schedule.ts";

/** Errors that say the database is not there (yet), as opposed to one that refuses us. */
function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; errno?: string };
  if (e.code === "ERR_POSTGRES_SERVER_ERROR" || e.code === "ERR_POSTGRES_SYNTAX_ERROR") {
    // 57P03: the database system is starting up / shutting down; 08xxx: connection exceptions.
    return e.errno === "57P03" || e.errno?.startsWith("08") === true;
  }
  return !(err instanceof DataError);
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
  const sql = new SQL({
    url: target.url,
    database: target.database,
    ...(password === undefined ? {} : { password }),
    max: limits.database_pool_connections,
    connectionTimeout: limits.database_connect_timeout_ms / 1000,
    connection: {
      application_name: "healthcenterserver",
      statement_timeout: `${limits.database_statement_timeout_ms}ms`,
      idle_in_transaction_session_timeout: `${limits.database_idle_in_transaction_ms}ms`,
    },
    onclose: () => onConnectionLost(),
  });
  try {
    await untilMigrated(sql, target.shown, waitMs, log);
  } catch (err) {
    await sql.close({ timeout: 0 });
    throw err;
  }
  const instance = crypto.randomUUID().slice(0, 13);
  const mirror = new PgMirror(sql, schedule, instance, target.shown, log);
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
  return new PgStore(target.shown, sql, committer, mirror);
}

/**
 * Migrates the schema, waiting up to `waitMs` for a database that is not reachable yet; one that
 * refuses us (a wrong password, a table of another program, a newer schema) fails at once.
 */
export async function untilMigrated(sql: SQL, shown: string, waitMs: number, log: Log): Promise<void> {
  const deadline = Date.now() + waitMs;
  let delay = limits.database_retry_ms_min;
  while (true) {
    try {
      // A database that accepts the connection and then says nothing counts as unreachable.
      await withinTimeout(migrate(sql, shown), limits.database_commit_timeout_ms);
      return;
    } catch (err) {
      const why = (err as Error).message;
      if (!isUnreachable(err)) {
        if (err instanceof DataError) throw err;
        throw new DataError(shown, undefined, `cannot be used as the booking database (${why})`);
      }
      if (Date.now() + delay > deadline) {
        throw new NetworkError(
          `cannot reach PostgreSQL at ${shown} (tried for ${Math.round(waitMs / 1000)} s): ${why}`,
        );
      }
      log.warn(`PostgreSQL at ${shown} is not reachable yet (${why}); trying again in ${delay} ms`);
      await Bun.sleep(delay);
      delay = Math.min(limits.database_retry_ms_max, delay * 2);
    }
  }
}

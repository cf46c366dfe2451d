// Connecting to PostgreSQL, one way for every user of it (the bookings' store, the calendar's, the
// availability CLI): the same session settings (statement and idle-in-transaction timeouts, the
// application name), a bounded wait for a database that is not up yet, and the schema migrated; a
// database that refuses us (a wrong password, another program's table, a newer schema) fails at once.
import { SQL } from "bun";
import { DataError, NetworkError } from "../../../../shared/errors.ts";
import * as limits from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import type { PostgresTarget } from "../db-target.ts";
import { withinTimeout } from "./pg-committer.ts";
import { migrate } from "./pg-schema.ts";

/** A pool on the target, migrated to this program's schema; closed again if that fails. */
export async function openMigrated(
  target: PostgresTarget,
  password: string | undefined,
  waitMs: number,
  log: Log,
  onclose: () => void = () => {},
  max: number = limits.database_pool_connections,
): Promise<SQL> {
  const sql = new SQL({
    url: target.url,
    database: target.database,
    ...(password === undefined ? {} : { password }),
    max,
    connectionTimeout: limits.database_connect_timeout_ms / 1000,
    connection: {
      application_name: "healthcenterserver",
      statement_timeout: `${limits.database_statement_timeout_ms}ms`,
      idle_in_transaction_session_timeout: `${limits.database_idle_in_transaction_ms}ms`,
    },
    onclose,
  });
  try {
    await untilMigrated(sql, target.shown, waitMs, log);
  } catch (err) {
    await sql.close({ timeout: 0 });
    throw err;
  }
  return sql;
}

/** Errors that say the database is not there (yet), as opposed to one that refuses us. */
function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; errno?: string };
  if (e.code === "ERR_POSTGRES_SERVER_ERROR" || e.code === "ERR_POSTGRES_SYNTAX_ERROR") {
    // 57P03: the database system is starting up / shutting down; 08xxx: connection exceptions.
    return e.errno === "57P03" || e.errno?.startsWith("08") === true;
  }
  return !(err instanceof DataError);
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

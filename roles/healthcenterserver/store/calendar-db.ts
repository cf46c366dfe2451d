// The calendar's records (rules, exceptions, doctors, appointments) read and edited through one small
// SQL interface, so SQLite and PostgreSQL run the same statements (calendar-records.ts). The schema
// is each store's own migration; opening here migrates it as the server would.
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { DataError } from "../../../shared/errors.ts";
import { Log } from "../../../shared/log.ts";
import { database_open_busy_timeout_ms } from "../../../shared/limits.ts";
import type { DbTarget } from "./db-target.ts";
import { prepareSchema, DatabaseProblem, walLimits } from "./sqlite/sqlite-schema.ts";
import { checkDatabasePath } from "./sqlite/sqlite-file.ts";
import { prepareCalendarTables } from "./sqlite/sqlite-calendar-schema.ts";

export type Row = Record<string, unknown>;
/** A write of an atomic group; `mustChange`: it must change a row, else the whole group is undone. */
export type Write = { sql: string; params: unknown[]; mustChange?: boolean };

export interface CalendarDb {
  readonly kind: "sqlite" | "postgres";
  /** Statements with `?` placeholders. */
  all(query: string, params?: unknown[]): Promise<Row[]>;
  run(query: string, params?: unknown[]): Promise<void>;
  /** `fn` runs in one write transaction: all of it is stored, or none. */
  transaction<T>(fn: (db: CalendarDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** bun:sqlite behind the promise interface; a transaction is BEGIN IMMEDIATE (one writer at a time). */
export class SqliteCalendarDb implements CalendarDb {
  readonly kind = "sqlite";
  /** Replaced when the file is restored at its path (open-calendar.ts). */
  constructor(public db: Database) {}

  static open(path: string): SqliteCalendarDb {
    try {
      checkDatabasePath(path);
      const db = new Database(path, { create: true, strict: true });
      db.run(`PRAGMA busy_timeout = ${database_open_busy_timeout_ms}`);
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA synchronous = FULL");
      walLimits(db);
      prepareSchema(db);
      return new SqliteCalendarDb(db);
    } catch (err) {
      if (err instanceof DatabaseProblem) throw new DataError(path, undefined, err.message);
      throw new DataError(path, undefined, `cannot be used as the booking database (${(err as Error).message})`);
    }
  }

  // Statements are finalized at once (not db.query's cache): a close with one still open is deferred
  // and would leave the WAL behind.
  async all(query: string, params: unknown[] = []): Promise<Row[]> {
    const statement = this.db.prepare(query);
    try {
      return statement.all(...(params as never[])) as Row[];
    } finally {
      statement.finalize();
    }
  }

  async run(query: string, params: unknown[] = []): Promise<void> {
    await this.all(query, params);
  }

  /**
   * One statement whose commit is not waited to disk (synchronous = NORMAL for it alone, and FULL again
   * before anything else can run on the connection: all of it synchronous). Only for a write whose loss
   * to a power cut is harmless (the outbox sender's claim, a lease, and its marks: a lost "sent" repeats the
   * message under the same key): the next synced commit makes it durable too (the WAL is synced in order),
   * and kill -9 loses nothing either way. Inside an open transaction it is an ordinary statement.
   */
  allUnsynced(query: string, params: unknown[] = []): Row[] {
    const relax = !this.db.inTransaction;
    if (relax) this.db.run("PRAGMA synchronous = NORMAL");
    const statement = this.db.prepare(query);
    try {
      return statement.all(...(params as never[])) as Row[];
    } finally {
      statement.finalize();
      if (relax) this.db.run("PRAGMA synchronous = FULL");
    }
  }

  /**
   * Writes in one synchronous transaction (BEGIN IMMEDIATE): no other work of the server's thread (a
   * booking's commit on this same connection) can run inside it, as it could between the awaits of
   * `transaction`. Throws, storing nothing, when a `mustChange` write changes no row. Another process
   * holding the file's write lock (an operator's edit, `audit archive`) makes it throw SQLITE_BUSY at once
   * instead of stopping the server's thread for the busy timeout: the followers try again next pass.
   */
  writeAtomically(writes: readonly Write[]): void {
    const waits = this.db.prepare("PRAGMA busy_timeout");
    const waitMs = Number((waits.get() as { timeout: number }).timeout);
    waits.finalize();
    this.db.run("PRAGMA busy_timeout = 0");
    try {
      this.writeAll(writes);
    } finally {
      this.db.run(`PRAGMA busy_timeout = ${waitMs}`);
    }
  }

  private writeAll(writes: readonly Write[]): void {
    const all = this.db.transaction(() => {
      for (const w of writes) {
        const statement = this.db.prepare(w.sql);
        try {
          const { changes } = statement.run(...(w.params as never[]));
          if (w.mustChange && changes === 0) throw new Error(`nothing changed: ${w.sql}`);
        } finally {
          statement.finalize();
        }
      }
    });
    all.immediate();
  }

  async transaction<T>(fn: (db: CalendarDb) => Promise<T>): Promise<T> {
    this.db.run("BEGIN IMMEDIATE");
    try {
      const result = await fn(this);
      this.db.run("COMMIT");
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.run("ROLLBACK");
      throw err;
    }
  }

  async close(): Promise<void> {
    this.db.close(true);
  }
}

/** Bun.SQL on PostgreSQL; `?` becomes $1, $2, ... */
export class PgCalendarDb implements CalendarDb {
  readonly kind = "postgres";
  /** A connection of the pool closed or failed to open (the calendar's follower polls until LISTEN is back). */
  connectionLost: () => void = () => {};
  constructor(readonly sql: SQL) {}

  async all(query: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.sql.unsafe(numbered(query), params as never[])) as Row[];
  }

  async run(query: string, params: unknown[] = []): Promise<void> {
    await this.sql.unsafe(numbered(query), params as never[]);
  }

  async transaction<T>(fn: (db: CalendarDb) => Promise<T>): Promise<T> {
    return (await this.sql.begin(async (tx) => fn(new PgCalendarDb(tx as unknown as SQL)))) as T;
  }

  async close(): Promise<void> {
    await this.sql.close({ timeout: 1 });
  }
}

function numbered(query: string): string {
  let n = 0;
  return query.replace(/\?/g, () => `$${++n}`);
}

/** Opens the database a target names, migrated to this program's schema, calendar included (for the CLI). */
export async function openCalendarDb(target: DbTarget, password: string | undefined): Promise<CalendarDb> {
  if (target.kind === "sqlite") {
    const db = SqliteCalendarDb.open(target.path);
    prepareCalendarTables(db.db);
    return db;
  }
  // The CLI does not wait for a database that is not up: it says so (exit 3) and the operator retries.
  const { openMigrated } = await import("./postgres/pg-connect.ts");
  return new PgCalendarDb(await openMigrated(target, password, 0, new Log({ quiet: true }), undefined, 2));
}

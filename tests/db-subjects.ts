// A database a test drives through the command line (`db`: the flags naming it) and reads back (`sql`: the
// rows as lines of `|`-joined values), on SQLite or on the test file's PostgreSQL cluster alike.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { Postgres } from "./pg-helpers.ts";

export type Subject = { db: string[]; sql: (q: string) => string };

/** A SQLite file `name`.db in `dir`, read on a read-only connection of its own each time. */
export function sqliteSubject(dir: string, name: string): Subject {
  const path = join(dir, `${name}.db`);
  return {
    db: ["--db", path],
    sql: (q) => {
      const d = new Database(path, { readonly: true });
      try {
        return (d.query(q).values() as unknown[][]).map((r) => r.join("|")).join("\n");
      } finally {
        d.close();
      }
    },
  };
}

/** A new database `name` on `pg`, read with psql. */
export function pgSubject(pg: Postgres, name: string): Subject {
  pg.createDatabase(name);
  return {
    db: ["--db", pg.url(name), "--db-password-file", pg.passwordFile],
    sql: (q) => pg.psql(name, q).trim(),
  };
}

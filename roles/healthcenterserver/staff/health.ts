// /readyz: the TCP listener is up and the booking database takes writes. The database is probed
// on a connection of its own with no busy wait (a probe never holds up the event loop), by taking
// the write lock and letting it go: nothing is written.
import { Database } from "bun:sqlite";
import { checkDatabasePath, FileIdentity } from "../store/sqlite/sqlite-file.ts";

export type Readiness = { ready: true } | { ready: false; reason: string };

export class DatabaseProbe {
  private db: Database | undefined;
  private readonly identity: FileIdentity;

  /** Made at start-up, right after the server opened the database. */
  constructor(private readonly path: string) {
    this.identity = FileIdentity.of(path);
  }

  /** undefined when writable, else why not. */
  problem(): string | undefined {
    const changed = this.identity.whatChanged();
    if (changed !== undefined) return `database ${this.path} ${changed} while the server was running`;
    try {
      checkDatabasePath(this.path);
    } catch (err) {
      return `database ${this.path} ${(err as Error).message}`;
    }
    try {
      this.db ??= this.open();
      this.db.run("BEGIN IMMEDIATE");
      this.db.run("ROLLBACK");
      return undefined;
    } catch (err) {
      this.close();
      return `database ${this.path} does not take writes (${(err as Error).message})`;
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): Database {
    const db = new Database(this.path, { readwrite: true, create: false });
    db.run("PRAGMA busy_timeout = 0");
    return db;
  }
}

/** `databaseProblem`: undefined when the database takes writes, else why not. */
export function readiness(listening: boolean, databaseProblem: () => string | undefined): Readiness {
  if (!listening) return { ready: false, reason: "the patient listener is not accepting connections" };
  const problem = databaseProblem();
  return problem === undefined ? { ready: true } : { ready: false, reason: problem };
}

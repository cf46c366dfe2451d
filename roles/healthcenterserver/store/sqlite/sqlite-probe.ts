// Whether the SQLite file takes writes now (for /readyz). It is probed on a connection of its own with
// no busy wait (a probe never holds up the event loop), by taking the write lock and letting it go:
// nothing is written. The connection is closed after each probe: one left open on a file the server
// has restored elsewhere would, as that file's last connection on closing, delete "<path>-wal" by
// name, the restored file's.
import { Database } from "bun:sqlite";
import { checkDatabasePath, FileIdentity } from "./sqlite-file.ts";

export class DatabaseProbe {
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
    let db: Database | undefined;
    try {
      db = this.open();
      db.run("BEGIN IMMEDIATE");
      db.run("ROLLBACK");
      return undefined;
    } catch (err) {
      return `database ${this.path} does not take writes (${(err as Error).message})`;
    } finally {
      db?.close();
    }
  }

  private open(): Database {
    const db = new Database(this.path, { readwrite: true, create: false });
    db.run("PRAGMA busy_timeout = 0");
    return db;
  }
}

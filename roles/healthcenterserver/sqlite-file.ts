// The booking database as a file: what start-up checks before SQLite opens it, and whether the
// file under the path is still the one the server opened (a deleted or replaced file takes every
// booking written to it into a file no one will open again).
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseProblem } from "./sqlite-schema.ts";

/** Throws a DatabaseProblem for a path SQLite could not keep bookings at. */
export function checkDatabasePath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new DatabaseProblem(`its directory ${dir} does not exist`);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new DatabaseProblem("is a directory, not a database file");
    if (!writable(path)) throw new DatabaseProblem("is read-only; the server stores every booking there (check its owner and mode)");
  }
  if (!writable(dir)) throw new DatabaseProblem(`its directory ${dir} is not writable (SQLite keeps its -wal and -shm files beside the database)`);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

type Identity = { dev: number; ino: number };

/** The device and inode of the file opened at start-up, compared with what the path names now. */
export class FileIdentity {
  /** Undefined for an in-memory database, which has no file to lose. */
  private constructor(readonly path: string, private readonly opened: Identity | undefined) {}

  /** Taken right after SQLite opened (and wrote) the file. */
  static of(path: string): FileIdentity {
    if (path === ":memory:" || path === "") return new FileIdentity(path, undefined);
    const { dev, ino } = statSync(path);
    return new FileIdentity(path, { dev, ino });
  }

  /** Undefined while the path still names the opened file; otherwise what happened to it. */
  whatChanged(): string | undefined {
    if (this.opened === undefined) return undefined;
    let now: Identity;
    try {
      now = statSync(this.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === "ENOENT" ? "was deleted" : `cannot be checked (${code ?? err})`;
    }
    if (now.dev !== this.opened.dev || now.ino !== this.opened.ino) return "was replaced by another file";
    return undefined;
  }
}

// The booking database as a file: what start-up checks before SQLite opens it, and whether the
// file under the path is still the one the server opened (a deleted or replaced file takes every
// booking written to it into a file no one will open again).
import { accessSync, closeSync, constants, existsSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { tryLockExclusive } from "../../../../shared/libc.ts";
import { DatabaseProblem } from "./sqlite-schema.ts";

/** Throws a DatabaseProblem for a path SQLite could not keep bookings at. */
export function checkDatabasePath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new DatabaseProblem(`its directory ${dir} does not exist`);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new DatabaseProblem("is a directory, not a database file");
    if (!writable(path))
      throw new DatabaseProblem("is read-only; the server stores every booking there (check its owner and mode)");
  }
  if (!writable(dir))
    throw new DatabaseProblem(
      `its directory ${dir} is not writable (SQLite keeps its -wal and -shm files beside the database)`,
    );
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
  private constructor(
    readonly path: string,
    private readonly opened: Identity | undefined,
  ) {}

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

/**
 * Marks the database file as served by this process (an flock held until exit). Two servers on one
 * SQLite file never double-book, but neither hears of the other's bookings or cancellations, so
 * the second is told so. Returns the warning to log, if any. The descriptor stays open on purpose:
 * closing any descriptor of the file would drop SQLite's own locks on it.
 */
export function claimDatabaseFile(path: string): string | undefined {
  if (path === ":memory:" || path === "") return undefined;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  const taken = tryLockExclusive(fd);
  if (taken !== false) return undefined;
  closeSync(fd);
  return (
    `another server is already using ${path}: ` +
    "neither will see the other's bookings, cancellations or moves until it restarts " +
    "(both still refuse to double-book). " +
    "To run several servers on one schedule, give them one PostgreSQL (--db postgres://...)"
  );
}

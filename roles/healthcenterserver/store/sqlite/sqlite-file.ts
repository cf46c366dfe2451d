// The booking database as a file: what start-up checks before SQLite opens it, and whether the
// file under the path is still the one the server opened (a deleted or replaced file takes every
// booking written to it into a file no one will open again).
import { accessSync, constants, existsSync, fstatSync, openSync, statSync } from "node:fs";
import { DataError } from "../../../../shared/errors.ts";
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

/**
 * The device and inode of the file opened at start-up (and of its -wal, which holds every commit
 * since the last checkpoint), compared with what the paths name now. One per path, shared by the
 * committer's guard and the staff page's probe, so a restore renews it for both.
 */
export class FileIdentity {
  private static readonly byPath = new Map<string, FileIdentity>();
  private opened: { db: Identity; wal: Identity | undefined } | undefined;
  /** Counts renewals: a probe holding a connection to the old file knows to reopen it. */
  generation = 0;

  private constructor(readonly path: string) {
    this.renew();
  }

  /** Taken right after SQLite opened (and wrote) the file; later calls for the path share it. */
  static of(path: string): FileIdentity {
    let identity = FileIdentity.byPath.get(path);
    if (identity === undefined) FileIdentity.byPath.set(path, (identity = new FileIdentity(path)));
    return identity;
  }

  /**
   * For a store that has just opened the file: what the path names now. A store closed and opened again
   * in one process (its -wal file deleted at the last close and made anew) must not be compared with the
   * files of its previous opening, which would read as a replaced file.
   */
  static opened(path: string): FileIdentity {
    const known = FileIdentity.byPath.get(path);
    if (known === undefined) return FileIdentity.of(path);
    known.renew();
    return known;
  }

  /** The path names the server's file again (after a restore): compare with what is there now. */
  renew(): void {
    this.generation++;
    if (this.path === ":memory:" || this.path === "") return; // in memory: no file to lose
    this.opened = { db: identityOf(this.path)!, wal: identityOf(`${this.path}-wal`) };
  }

  /** Undefined while the paths still name the opened files; otherwise what happened to them. */
  whatChanged(): string | undefined {
    if (this.opened === undefined) return undefined;
    const db = changeOf(this.path, this.opened.db);
    if (db !== undefined || this.opened.wal === undefined) return db;
    const wal = changeOf(`${this.path}-wal`, this.opened.wal);
    return wal && `had its -wal file (every commit since the last checkpoint) ${wal.replace(/^was /, "")}`;
  }
}

function identityOf(path: string): Identity | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

function changeOf(path: string, opened: Identity): string | undefined {
  let now: Identity;
  try {
    now = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "was deleted" : `cannot be checked (${code ?? err})`;
  }
  if (now.dev !== opened.dev || now.ino !== opened.ino) return "was replaced by another file";
  return undefined;
}

/**
 * Descriptors this process holds its claim with, by the file's device and inode: never closed, since
 * closing any descriptor of a file drops this process's POSIX locks on it, SQLite's own included
 * (SQLite's documented way to corrupt a database). A file this process already claimed is not
 * claimed again (a restore puts a new file at the path: that one is).
 */
const claims = new Map<string, number>();
/** Further descriptors of files already claimed (a second caller in this process): kept open, for the same reason. */
const kept: number[] = [];

/**
 * Marks the database file as served by this process (an flock held until exit). Two servers on one
 * SQLite file never double-book, but neither hears of the other's bookings or cancellations: the
 * second is refused (a DataError, exit 2), unless its operator accepted that with --shared-sqlite
 * (`sharing` "allow"), when the warning to log is returned.
 */
export function claimDatabaseFile(path: string, sharing: "refuse" | "allow" = "allow"): string | undefined {
  if (path === ":memory:" || path === "") return undefined;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  const { dev, ino } = fstatSync(fd);
  // Already ours: this descriptor is kept open too (closing it would drop SQLite's locks), unlocked.
  if (claims.has(`${dev}:${ino}`)) return void kept.push(fd);
  claims.set(`${dev}:${ino}`, fd);
  if (tryLockExclusive(fd) !== false) return undefined;
  const alone =
    "neither will see the other's bookings, cancellations or moves until it restarts " +
    "(both still refuse to double-book)";
  if (sharing === "refuse")
    throw new DataError(
      path,
      undefined,
      `is used by another server already: ${alone}. Give several servers one PostgreSQL (--db postgres://...), ` +
        "or start this one with --shared-sqlite to accept that (docs/SCALING.md)",
    );
  return (
    `another server is already using ${path} (--shared-sqlite): ${alone}. ` +
    "To run several servers on one schedule, give them one PostgreSQL (--db postgres://...)"
  );
}

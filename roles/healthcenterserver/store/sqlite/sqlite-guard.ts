// A Committer around the SQLite one that keeps two promises the database file alone cannot:
// - another process holding the write lock never blocks the event loop: SQLite answers BUSY at
//   once (busy_timeout 0) and the batch is retried on a timer, with backoff, up to a deadline;
// - a batch is confirmed only while the path names the file the server opened (and its -wal): when
//   either was deleted or replaced, the file is first restored at its path from the connection
//   still open on it (sqlite-restore.ts), and only if that fails does every booking answer an
//   error until the server is restarted. The paths are also looked at every second, so a deletion
//   is repaired even when no booking follows it (a kill -9 later would otherwise lose the -wal).
import {
  database_file_watch_ms,
  database_lock_retry_ms_max,
  database_lock_retry_ms_min,
  database_lock_wait_ms_max,
} from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import type { FileIdentity } from "./sqlite-file.ts";
import type { Change, ChangeResult, Committer } from "../appointment-store.ts";

export class DatabaseLocked extends Error {}
export class DatabaseFileLost extends Error {}

export class GuardedCommitter implements Committer {
  /** Set once the file is found deleted or replaced; nothing is confirmed after that. */
  private lost: string | undefined;

  private readonly watch: ReturnType<typeof setInterval>;

  /** `restore` puts the server's file back at its path and says what it did, or throws. */
  constructor(
    private readonly inner: Committer,
    private readonly identity: FileIdentity,
    private readonly log: Log,
    private readonly restore: () => string = () => {
      throw new Error("nothing to restore from");
    },
    private readonly lockWaitMs = database_lock_wait_ms_max,
  ) {
    this.watch = setInterval(() => {
      if (this.lost === undefined) this.repairIfChanged();
    }, database_file_watch_ms);
    this.watch.unref();
  }

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    this.checkFile();
    const results = await this.commitWhenUnlocked(batch);
    // Written, but into the file the path still names? If not, a restart would not find it.
    this.checkFile();
    return results;
  }

  close(): Promise<void> {
    clearInterval(this.watch);
    // A stop within a second of a deletion: restore first, else the close checkpoints into a file no path names.
    if (this.lost === undefined) this.repairIfChanged();
    return this.inner.close();
  }

  private async commitWhenUnlocked(batch: readonly Change[]): Promise<ChangeResult[]> {
    const deadline = Date.now() + this.lockWaitMs;
    let waitMs = database_lock_retry_ms_min;
    while (true) {
      try {
        return await this.inner.commit(batch);
      } catch (err) {
        if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new DatabaseLocked(
            `${this.identity.path} is locked by another process; gave up after ${this.lockWaitMs} ms`,
          );
        await Bun.sleep(Math.min(waitMs, left));
        waitMs = Math.min(waitMs * 2, database_lock_retry_ms_max);
      }
    }
  }

  private checkFile(): void {
    if (this.lost === undefined && this.repairIfChanged()) return;
    throw new DatabaseFileLost(`not confirmed: ${this.lost}`);
  }

  /** True when the path names the server's file, as it was or restored; false once it is lost. */
  private repairIfChanged(): boolean {
    const changed = this.identity.whatChanged();
    if (changed === undefined) return true;
    const what = `${this.identity.path} ${changed} while the server was running`;
    try {
      const done = this.restore();
      this.identity.renew();
      this.log.error(
        `DATABASE FILE RESTORED: ${what}; ${done} from the copy the server still had open, with every booking. ` +
          "Find out what removed it: a backup or clean-up job must not touch a live database.",
        { cause: "database file" },
      );
      return true;
    } catch (err) {
      this.lost = what;
      this.log.error(
        `BOOKINGS STOPPED: ${this.lost}, and it could not be restored (${(err as Error).message}). ` +
          "Bookings written now would be lost at the next restart, so none is confirmed: every selection " +
          "answers an error until the server is restarted on the file the path names.",
        { cause: "database file" },
      );
      return false;
    }
  }
}

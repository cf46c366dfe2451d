// A Committer around the SQLite one that keeps two promises the database file alone cannot:
// - another process holding the write lock never blocks the event loop: SQLite answers BUSY at
//   once (busy_timeout 0) and the batch is retried on a timer, with backoff, up to a deadline;
// - a batch is confirmed only while the path still names the file the server opened: once it
//   was deleted or replaced, every booking answers an error until the server is restarted.
import {
  database_lock_retry_ms_max,
  database_lock_retry_ms_min,
  database_lock_wait_ms_max,
} from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import type { Committer } from "./committer.ts";
import type { FileIdentity } from "./sqlite-file.ts";
import type { Change, ChangeResult } from "../appointment-store.ts";

export class DatabaseLocked extends Error {}
export class DatabaseFileLost extends Error {}

export class GuardedCommitter implements Committer {
  /** Set once the file is found deleted or replaced; nothing is confirmed after that. */
  private lost: string | undefined;

  constructor(
    private readonly inner: Committer,
    private readonly identity: FileIdentity,
    private readonly log: Log,
    private readonly lockWaitMs = database_lock_wait_ms_max,
  ) {}

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    this.checkFile();
    const results = await this.commitWhenUnlocked(batch);
    // Written, but into the file the path still names? If not, a restart would not find it.
    this.checkFile();
    return results;
  }

  close(): Promise<void> {
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
    if (this.lost === undefined) {
      const changed = this.identity.whatChanged();
      if (changed === undefined) return;
      this.lost = `${this.identity.path} ${changed} while the server was running`;
      this.log.error(
        `BOOKINGS STOPPED: ${this.lost}. Bookings written now would be lost at the next restart, ` +
          "so none is confirmed: every selection answers an error " +
          "until the server is restarted on the file the path names.",
      );
    }
    throw new DatabaseFileLost(`not confirmed: ${this.lost}`);
  }
}

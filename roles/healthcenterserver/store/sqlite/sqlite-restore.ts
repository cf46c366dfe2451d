// A booking database whose file (or -wal) was deleted or replaced under the running server is put
// back at its path from the connection the server still holds open: that connection reads the old
// file and its -wal through descriptors the deletion did not close, so it still has every booking.
import type { AuditContent, AuditRecord } from "../../audit/chain.ts";
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Change, ChangeResult } from "../appointment-store.ts";
import { claimDatabaseFile } from "./sqlite-file.ts";
import type { BookingStore } from "./store.ts";

/** The open BookingStore, which `restore` swaps for one on the restored file. */
export class RestorableStore {
  constructor(
    private store: BookingStore,
    readonly path: string,
    private readonly reopen: () => BookingStore,
  ) {}

  forEachBooking(fn: (slot: number, patient: string) => void): void {
    this.store.forEachBooking(fn);
  }

  commit(batch: readonly Change[]): ChangeResult[] {
    return this.store.commit(batch);
  }

  auditOfSubjects(subjects: string[], limit: number): Promise<AuditRecord[]> {
    return this.store.auditOfSubjects(subjects, limit);
  }

  indexAudit(max: number): Promise<number> {
    return this.store.indexAudit(max);
  }

  appendAudit(contents: readonly AuditContent[]): void {
    this.store.appendAudit(contents);
  }

  close(): void {
    this.store.close();
  }

  /**
   * Writes a consistent copy from the open connection beside the path, closes that connection,
   * moves whatever the path names now aside (kept, never deleted), renames the copy into place and
   * opens it. Runs synchronously, so no commit lands in between. Returns what was done; throws
   * when it could not (the caller then refuses every booking).
   */
  restore(): string {
    const done = restoreAtPath(
      this.path,
      (copy) => this.store.copyTo(copy),
      () => this.store.close(),
    );
    this.store = this.reopen();
    claimDatabaseFile(this.path);
    return done;
  }
}

/**
 * Writes a consistent copy (`copyTo`, from the open connection) beside the path, closes that connection,
 * moves whatever the path names now aside (kept, never deleted) and renames the copy into place; the
 * caller then opens it. Runs synchronously, so no commit lands in between. Returns what was done.
 */
export function restoreAtPath(path: string, copyTo: (copy: string) => void, close: () => void): string {
  const copy = `${path}.restoring-${process.pid}`;
  rmSync(copy, { force: true });
  copyTo(copy);
  syncFile(copy);
  // Closed before anything is opened at the path: as the file's last connection, SQLite's close
  // deletes "<path>-wal" by name, which must not be the restored file's.
  close();
  const kept = `${path}.replaced-${Date.now()}`;
  const found = existsSync(path);
  if (found) renameSync(path, kept);
  // An -wal or -shm left at the path belongs to another file: SQLite would replay it onto the copy.
  for (const suffix of ["-wal", "-shm"]) {
    if (found && existsSync(path + suffix)) renameSync(path + suffix, kept + suffix);
    rmSync(path + suffix, { force: true });
  }
  renameSync(copy, path);
  syncFile(dirname(path));
  return found ? `restored ${path}; the file that was there is kept as ${kept}` : `restored ${path}`;
}

function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

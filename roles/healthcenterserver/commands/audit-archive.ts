// `audit archive --before DATE FILE`: the records older than DATE (a prefix of the chain, checked
// first) are written to FILE as JSON lines and synced, then deleted in one transaction that also
// stores a checkpoint: the last archived record's seq and hash, the file's SHA-256, and an HMAC of
// them with a key kept beside the data. verify then starts from the checkpoint.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../../../shared/errors.ts";
import { readFlagFile } from "../../../shared/regular-file.ts";
import { audit_page_rows } from "../../../shared/limits.ts";
import { ChainVerifier } from "../audit/chain.ts";
import { audit_lock, auditRecords, latestCheckpoint, type Checkpoint } from "../store/audit-records.ts";
import { followerCursor } from "../store/audit-follow.ts";
import { owesMessages } from "../notify/outbox-follower.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { append_only_triggers } from "../store/sqlite/sqlite-audit.ts";

/** The key file: 64 hex characters; created (mode 0600) when `create` and missing. */
export function readAuditKey(file: string, create: boolean): Buffer {
  if (!existsSync(file)) {
    if (!create) throw new UsageError(`the checkpoints' key ${file} is missing`);
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  }
  // Read as every operator file is: a FIFO or a link to /dev/zero named by --key is refused, not waited on.
  const text = readFlagFile("--key", file).trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new UsageError(`${file} is not an audit key (64 hex characters)`);
  return Buffer.from(text, "hex");
}

export function checkpointMac(key: Buffer, c: Pick<Checkpoint, "seq" | "hash" | "archive">): string {
  return createHmac("sha256", key).update(`${c.seq}\n${c.hash}\n${c.archive}`).digest("hex");
}

/** The new archive file, or a UsageError naming it (a missing directory, no permission, an empty name). */
function createArchive(file: string): number {
  try {
    return openSync(file, "wx", 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot write the archive ${JSON.stringify(file)}: ${code}; nothing archived`, {
      hint: false,
    });
  }
}

/**
 * The file's directory entry made durable too before the records are deleted: a power cut after the
 * delete must not take the new file's name with it. (Windows cannot open a directory: skipped there.)
 */
function syncDirectoryOf(file: string): void {
  let dir: number | undefined;
  try {
    dir = openSync(dirname(resolve(file)), "r");
    fsyncSync(dir);
  } catch {
    if (process.platform !== "win32") throw new UsageError(`cannot sync the archive's directory; nothing archived`);
  } finally {
    if (dir !== undefined) closeSync(dir);
  }
}

export async function archiveAudit(db: CalendarDb, beforeMs: number, file: string, keyFile: string): Promise<string> {
  const key = readAuditKey(keyFile, true);
  if (existsSync(file)) throw new UsageError(`${file} exists: archive writes a new file`);
  const start = await latestCheckpoint(db);
  const verifier = new ChainVerifier(start ?? undefined);
  const fd = createArchive(file);
  const digest = createHash("sha256");
  let moved = 0;
  let kept = false;
  // A change's messages are written from its record by the server's outbox follower, after the commit:
  // a record it has not reached yet stays (with the records after it), or its messages would be lost.
  const followed = (await followerCursor(db, "outbox")) ?? Number.POSITIVE_INFINITY;
  let waiting: number | undefined;
  try {
    outer: for await (const page of auditRecords(db, audit_page_rows)) {
      for (const r of page) {
        if (r.atMs >= beforeMs) break outer;
        if (r.seq > followed && owesMessages(r)) {
          waiting = r.seq;
          break outer;
        }
        const prevHash = verifier.last.hash;
        const broken = verifier.check(r);
        if (broken) throw new UsageError(`audit record ${broken.seq}: ${broken.why}; nothing archived`);
        // The file says each record's link, which the table leaves to the row before (chain.ts AuditRecord).
        const line = `${JSON.stringify({ ...r, prevHash })}\n`;
        writeSync(fd, line);
        digest.update(line);
        moved++;
      }
    }
    fsyncSync(fd);
    syncDirectoryOf(file);
    kept = moved > 0;
  } finally {
    closeSync(fd);
    // A file with nothing (or a broken chain's prefix) in it would only block the next archive to that name.
    if (!kept) rmSync(file, { force: true });
  }
  const held =
    waiting === undefined
      ? ""
      : `; record ${waiting} and those after it are kept: the server has not written that change's messages yet ` +
        "(its outbox follower writes them within seconds while it runs with [notify]; archive again after)";
  if (moved === 0) return `no audit records before that date${held ? " that can go" : ""}; nothing archived${held}`;
  const last = verifier.last;
  const checkpoint = { seq: last.seq, hash: last.hash, archive: `${file} sha256:${digest.digest("hex")}` };
  await replaceWithCheckpoint(db, start, file, { ...checkpoint, mac: checkpointMac(key, checkpoint) });
  const archived = `archived ${moved} audit records (up to record ${last.seq}) to ${file}`;
  return `${archived}; checkpoint signed with ${keyFile}${held}`;
}

/**
 * Deletes the archived records and leaves their signed checkpoint, in one transaction; refused when another
 * archive committed since this one read its checkpoint (`start`).
 */
async function replaceWithCheckpoint(
  db: CalendarDb,
  start: Checkpoint | undefined,
  file: string,
  checkpoint: { seq: number; hash: string; archive: string; mac: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    // Another archive may have run since this one read its checkpoint: its records are gone, and this file
    // would repeat them from an older checkpoint. Under the trail's lock (PostgreSQL; SQLite's write lock).
    if (tx.kind === "postgres") await tx.run(`SELECT pg_advisory_xact_lock(${audit_lock})`);
    const now = await latestCheckpoint(tx);
    if (now?.seq !== start?.seq) {
      rmSync(file, { force: true });
      throw new UsageError(
        `another audit archive ran meanwhile (its checkpoint is at record ${now?.seq}); nothing archived, ` +
          `${file} removed: archive again`,
      );
    }
    if (tx.kind === "postgres") await tx.run("SET LOCAL healthcenter.audit_archive = 'on'");
    else for (const op of ["update", "delete"]) await tx.run(`DROP TRIGGER IF EXISTS audit_no_${op}`);
    await tx.run("DELETE FROM audit WHERE seq <= ?", [checkpoint.seq]);
    // Their index entries too (audit-follow.ts): the page's history no longer finds them.
    await tx.run("DELETE FROM audit_subjects WHERE seq <= ?", [checkpoint.seq]);
    await tx.run("INSERT INTO audit_checkpoint (seq, hash, at_ms, archive, mac) VALUES (?, ?, ?, ?, ?)", [
      checkpoint.seq,
      checkpoint.hash,
      Date.now(),
      checkpoint.archive,
      checkpoint.mac,
    ]);
    if (tx.kind === "sqlite") for (const sql of append_only_triggers()) await tx.run(sql);
  });
}

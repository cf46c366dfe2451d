// The server with one part of its audit append changed, for bench/commit-ab.ts (never shipped, like
// server-without-audit.ts): which part of a booking's audit record costs what, end to end over TCP.
// The variant is chosen by environment variables (commit-ab.ts's NAME=ENTRY:VAR=VALUE,...):
//   AUDIT_APPEND=off         no record (the plain server)
//   AUDIT_APPEND=js          the record's tail read, canonical text and hash, no insert
//   AUDIT_APPEND=insert      the record's row inserted with a fixed hash and seq from memory: no tail, no hash
//   AUDIT_APPEND=small       a row of the same columns, texts empty, seq from memory: the least a row can cost
//   AUDIT_APPEND=cached      the record as shipped, the chain's tail kept in memory instead of read each batch
//   AUDIT_APPEND=blob        the record as shipped, its hash stored as 32 bytes (not 64 hex characters)
//   AUDIT_APPEND=packed      the batch's records in one row of another table (text and hash of each in a JSON)
//   CHECKPOINT_WORKER=PAGES  the WAL checkpointed by a Worker (bench/checkpoint-worker.ts) on its own
//                            connection; the server's connection checkpoints only past PAGES (a cap)
//   PAGE_SIZE=BYTES          the database rebuilt with that SQLite page size before the server opens it
//                            (bench/page-size.ts), as a new database created with it would be
import { Database as BunDatabase, type Database, type Statement } from "bun:sqlite";
import { runMain } from "../shared/cli.ts";
import {
  auditValues,
  canonical,
  genesis_hash,
  hashOf,
  type AuditContent,
} from "../roles/healthcenterserver/audit/chain.ts";
import { SqliteCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { SqliteAudit } from "../roles/healthcenterserver/store/sqlite/sqlite-audit.ts";
import { main } from "../roles/healthcenterserver.ts";
import { repage } from "./page-size.ts";
import { cachedAppend, packedAppend, type AppendRecords } from "./audit-appends.ts";

type Parts = { lastRecord: Statement; insert: Statement };
type Append = (this: Parts, contents: readonly AuditContent[]) => void;
const audit = SqliteAudit.prototype as unknown as { append: Append };

const js: Append = function (contents) {
  let last = this.lastRecord.get() as { seq: number; hash: string } | null;
  for (const c of contents) {
    const seq = last ? last.seq + 1 : 1;
    const hash = hashOf(seq, last?.hash ?? genesis_hash, c);
    last = { seq, hash };
  }
};

let seq = 0;
const insert: Append = function (contents) {
  for (const c of contents) this.insert.run(++seq, ...(auditValues(c) as never[]), "", genesis_hash);
};

const cached: Append = function (this: Parts & { cached?: AppendRecords }, contents) {
  this.cached ??= cachedAppend(this.lastRecord, this.insert);
  this.cached(contents);
};

// As shipped, the hash stored as its 32 bytes instead of 64 hex characters.
let blobTail: { seq: number; hex: string } | undefined;
const blob: Append = function (contents) {
  if (!blobTail) {
    const row = this.lastRecord.get() as { seq: number; hash: string | Uint8Array } | null;
    blobTail = row ? { seq: row.seq, hex: typeof row.hash === "string" ? row.hash : row.hash.toHex() } : undefined;
  }
  for (const c of contents) {
    const seq = blobTail ? blobTail.seq + 1 : 1;
    const hash = Bun.SHA256.hash(canonical(seq, blobTail?.hex ?? genesis_hash, c));
    this.insert.run(seq, ...(auditValues(c) as never[]), "", hash as Uint8Array);
    blobTail = { seq, hex: (hash as Uint8Array).toHex() };
  }
};

const small: Append = function (contents) {
  for (const c of contents) this.insert.run(++seq, c.atMs, "", "", "", "", "", "", "", "", "", "", "");
};

// packed's table and statement go on the committer's connection: the one that prepares the audit insert.
let packedDb: Database | undefined;
let packedImpl: AppendRecords | undefined;
const packed: Append = (contents) => {
  packedImpl ??= packedAppend(packedDb!);
  packedImpl(contents);
};

const appends: Record<string, Append> = { off: () => {}, js, insert, small, cached, packed, blob };
const variant = process.env.AUDIT_APPEND;
if (variant !== undefined) {
  if (!appends[variant]) throw new Error(`no AUDIT_APPEND=${variant} (${Object.keys(appends).join(", ")})`);
  audit.append = appends[variant];
}
if (variant === "packed") {
  const prepare = BunDatabase.prototype.prepare;
  BunDatabase.prototype.prepare = function (this: Database, sql: string, ...rest: never[]) {
    if (sql.startsWith("INSERT INTO audit (")) packedDb = this;
    return prepare.call(this, sql, ...rest);
  } as typeof prepare;
}

const pageSize = process.env.PAGE_SIZE;
if (pageSize) repage(process.argv[process.argv.indexOf("--db") + 1]!, Number(pageSize));

const cap = process.env.CHECKPOINT_WORKER;
if (cap) {
  const path = process.argv[process.argv.indexOf("--db") + 1]!;
  const open = SqliteCalendarDb.open;
  SqliteCalendarDb.open = (p: string) => {
    const db = open(p);
    (db.db as Database).run(`PRAGMA wal_autocheckpoint = ${Number(cap)}`);
    return db;
  };
  const worker = new Worker(new URL("./checkpoint-worker.ts", import.meta.url));
  worker.postMessage(path);
  worker.unref();
}
runMain("healthcenterserver", () => main(process.argv.slice(2))).then((code) => process.exit(code));

// The server with one part of its audit append changed, for bench/commit-ab.ts (never shipped, like
// server-without-audit.ts): which part of a booking's audit record costs what, end to end over TCP.
// The variant is chosen by environment variables (commit-ab.ts's NAME=ENTRY:VAR=VALUE,...):
//   AUDIT_APPEND=off         no record (the plain server)
//   AUDIT_APPEND=js          the record's tail read, canonical text and hash, no insert
//   AUDIT_APPEND=insert      the record's row inserted with fixed hashes and seq from memory: no tail, no hash
//   CHECKPOINT_WORKER=PAGES  the WAL checkpointed by a Worker (bench/checkpoint-worker.ts) on its own
//                            connection; the server's connection checkpoints only past PAGES (a cap)
//   PAGE_SIZE=BYTES          the database rebuilt with that SQLite page size before the server opens it
//                            (bench/page-size.ts), as a new database created with it would be
import type { Database, Statement } from "bun:sqlite";
import { runMain } from "../shared/cli.ts";
import { auditValues, genesis_hash, type AuditContent } from "../roles/healthcenterserver/audit/chain.ts";
import { SqliteCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { SqliteAudit } from "../roles/healthcenterserver/store/sqlite/sqlite-audit.ts";
import { main } from "../roles/healthcenterserver.ts";
import { repage } from "./page-size.ts";

type Parts = { lastRecord: Statement; insert: Statement };
type Append = (this: Parts, contents: readonly AuditContent[]) => void;
const audit = SqliteAudit.prototype as unknown as { append: Append };

const js: Append = function (contents) {
  let last = this.lastRecord.get() as { seq: number; hash: string } | null;
  for (const c of contents) {
    const seq = last ? last.seq + 1 : 1;
    const hash = Bun.SHA256.hash(JSON.stringify([seq, last?.hash ?? genesis_hash, ...auditValues(c)]), "hex") as string;
    last = { seq, hash };
  }
};

let seq = 0;
const insert: Append = function (contents) {
  for (const c of contents) this.insert.run(++seq, ...(auditValues(c) as never[]), genesis_hash, genesis_hash);
};

const variant = process.env.AUDIT_APPEND;
if (variant === "off") audit.append = () => {};
if (variant === "js") audit.append = js;
if (variant === "insert") audit.append = insert;

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

// What each part of a booking's audit record costs the commit, in process (no network: the same SQLite
// calendar, committer and batches as the server's, 400 doctors): one calendar per variant, batches of 8
// bookings rotated over them, each commit's CPU (user and system) and wall time added up. Variants:
//   off      no record (bench/server-without-audit.ts's server)
//   audit    the record as shipped (tail read, canonical text, SHA-256, 13-value insert)
//   js       the tail read, canonical text and hash, no insert
//   insert   the row inserted, a fixed hash and seq from memory (no tail, no hash)
//   small    a row of the same columns, all texts empty (a few bytes: the table barely grows)
//   grow     a row with one 230-character text (the record's size), the others empty
//   rewrite  the same 230 characters written over one of 8 rows of another table (nothing grows)
//   page     one small row of another table updated per commit (one more page in each commit)
//   multi    the record as shipped, the batch's rows in one multi-row INSERT (one statement a commit)
//   blob     the record with its hash as 32 bytes and no prev_hash (the one before's hash is derived)
//   multiblob both
//   cached   the record as shipped, the chain's tail kept in memory instead of read each batch
//   packed   the batch's records in one row of another table (each one's text and hash in a JSON array)
// BATCH=N in the environment: batches of N bookings instead of 8.
// A variant named VARIANT@SIZE runs on a calendar rebuilt with that SQLite page size (bench/page-size.ts).
// Run: bun bench/audit-parts.ts [BATCHES] [VARIANT[@SIZE],...]
import type { Database, Statement } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calendarDb } from "./calendar-server.ts";
import { repage } from "./page-size.ts";
import { cachedAppend, packedAppend } from "./audit-appends.ts";
import {
  auditValues,
  canonical,
  genesis_hash,
  hashOf,
  type AuditContent,
} from "../roles/healthcenterserver/audit/chain.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import type { Change } from "../roles/healthcenterserver/store/appointment-store.ts";
import { SqliteCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { SqliteCalendarCommitter } from "../roles/healthcenterserver/store/sqlite/sqlite-calendar-committer.ts";
import { prepareCalendarTables } from "../roles/healthcenterserver/store/sqlite/sqlite-calendar-schema.ts";

type Parts = { lastRecord: Statement; insert: Statement; append(contents: readonly AuditContent[]): void };
type Variant = (a: Parts, db: Database) => void;
const big = "x".repeat(230);
const counter = () => {
  let n = 0;
  return () => ++n;
};

const variants: Record<string, Variant> = {
  off: (a) => (a.append = () => {}),
  audit: () => {},
  js: (a) =>
    (a.append = (contents) => {
      let last = a.lastRecord.get() as { seq: number; hash: string } | null;
      for (const c of contents) {
        const seq = last ? last.seq + 1 : 1;
        last = { seq, hash: hashOf(seq, last?.hash ?? genesis_hash, c) };
      }
    }),
  insert: (a) => {
    const seq = counter();
    a.append = (cs) => cs.forEach((c) => a.insert.run(seq(), ...(auditValues(c) as never[]), "", genesis_hash));
  },
  small: (a) => {
    const seq = counter();
    a.append = (cs) => cs.forEach((c) => a.insert.run(seq(), c.atMs, ...Array(11).fill("")));
  },
  grow: (a) => {
    const seq = counter();
    a.append = (cs) => cs.forEach((c) => a.insert.run(seq(), c.atMs, big, ...Array(10).fill("")));
  },
  rewrite: (a, db) => {
    db.run("CREATE TABLE fat (k INTEGER PRIMARY KEY, v TEXT)");
    for (let k = 0; k < 8; k++) db.run("INSERT INTO fat VALUES (?, ?)", [k, big]);
    const update = db.prepare("UPDATE fat SET v = ? WHERE k = ?");
    a.append = (cs) => cs.forEach((_, k) => update.run(big, k % 8));
  },
  multi: (a, db) => multiRow(a, db, false),
  blob: (a, db) => blobRows(a, db),
  multiblob: (a, db) => multiRow(a, db, true),
  cached: (a) => (a.append = cachedAppend(a.lastRecord, a.insert)),
  packed: (a, db) => (a.append = packedAppend(db)),
  page: (a, db) => {
    db.run("CREATE TABLE tiny (k INTEGER PRIMARY KEY, n INTEGER)");
    db.run("INSERT INTO tiny VALUES (1, 0)");
    const update = db.prepare("UPDATE tiny SET n = n + 1 WHERE k = 1");
    a.append = (cs) => void (cs.length > 0 && update.run());
  },
};

const cols11 = "seq, at_ms, actor, role, via, address, action, subject, before, after, reason";
function blobTable(db: Database): void {
  db.run(`CREATE TABLE audit_b (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,
    role TEXT NOT NULL, via TEXT NOT NULL, address TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
    before TEXT NOT NULL, after TEXT NOT NULL, reason TEXT NOT NULL, hash BLOB NOT NULL)`);
}
function blobRows(a: Parts, db: Database): void {
  blobTable(db);
  const last = db.prepare("SELECT seq, hash FROM audit_b ORDER BY seq DESC LIMIT 1");
  const ins = db.prepare(`INSERT INTO audit_b (${cols11}, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  a.append = (cs) => {
    let tail = last.get() as { seq: number; hash: Uint8Array } | null;
    for (const c of cs) {
      const seq = tail ? tail.seq + 1 : 1;
      const prev = tail ? tail.hash.toHex() : genesis_hash;
      const fields = auditValues(c);
      const hash = Bun.SHA256.hash(canonical(seq, prev, c)) as Uint8Array;
      ins.run(seq, ...(fields as never[]), hash);
      tail = { seq, hash };
    }
  };
}
function multiRow(a: Parts, db: Database, blob: boolean): void {
  if (blob) blobTable(db);
  const table = blob ? "audit_b" : "audit";
  const n = blob ? 12 : 13;
  const cols = blob ? `${cols11}, hash` : `${cols11}, prev_hash, hash`;
  const last = db.prepare(`SELECT seq, hash FROM ${table} ORDER BY seq DESC LIMIT 1`);
  const row = `(${Array(n).fill("?").join(", ")})`;
  const stmts = Array.from({ length: 9 }, (_, k) =>
    k === 0 ? undefined : db.prepare(`INSERT INTO ${table} (${cols}) VALUES ${Array(k).fill(row).join(", ")}`),
  );
  a.append = (cs) => {
    let tail = last.get() as { seq: number; hash: string | Uint8Array } | null;
    const values: unknown[] = [];
    for (const c of cs) {
      const seq = tail ? tail.seq + 1 : 1;
      const prev = tail ? (typeof tail.hash === "string" ? tail.hash : tail.hash.toHex()) : genesis_hash;
      const fields = auditValues(c);
      const text = canonical(seq, prev, c);
      const hash = blob ? (Bun.SHA256.hash(text) as Uint8Array) : (Bun.SHA256.hash(text, "hex") as string);
      if (blob) values.push(seq, ...fields, hash);
      else values.push(seq, ...fields, "", hash); // prev_hash empty, as shipped
      tail = { seq, hash };
    }
    stmts[cs.length]!.run(...(values as never[]));
  };
}

const who = { actor: "patient1", role: "patient", via: "tcp", address: "127.0.0.1", reason: "" };
const batch_size = Number(process.env.BATCH ?? 8);
const monday_9 = Date.UTC(2027, 0, 4, 9);

type Side = { name: string; committer: SqliteCalendarCommitter; cpu: number; sys: number; wall: number };

async function side(dir: string, name: string): Promise<Side> {
  const path = join(dir, `${name}.db`);
  await calendarDb(path, 400);
  const [variant = "", size] = name.split("@");
  if (size) repage(path, Number(size));
  const db = SqliteCalendarDb.open(path);
  prepareCalendarTables(db.db);
  const options = { bookingsPerPatient: 0, typeRules: () => new Map() } as never;
  const committer = new SqliteCalendarCommitter(db.db, () => 15, options);
  variants[variant]!((committer as unknown as { audit: Parts }).audit, db.db);
  return { name, committer, cpu: 0, sys: 0, wall: 0 };
}

/** The n-th booking: the next doctor's slot at the same time, then the next 15 minutes (the bench's order). */
const booking = (n: number): Change => ({
  kind: "book",
  index: slotId(1 + (n % 400), monday_9 + Math.floor(n / 400) * 900_000),
  patient: "patient1",
  who,
});

async function timed(s: Side, batch: Change[]): Promise<void> {
  const used = process.cpuUsage();
  const started = performance.now();
  const results = await s.committer.commit(batch);
  s.wall += performance.now() - started;
  const spent = process.cpuUsage(used);
  s.cpu += spent.user + spent.system;
  s.sys += spent.system;
  if (results.some((r) => r.kind !== "done")) throw new Error(`${s.name}: ${JSON.stringify(results)}`);
}

const batches = Number(process.argv[2] ?? 8000);
const names = (process.argv[3] ?? "off,audit,js,insert,small,grow,rewrite,page").split(",");
const unknown = names.filter((n) => !variants[n.split("@")[0]!]);
if (unknown.length > 0) throw new Error(`no variant ${unknown.join(", ")} (${Object.keys(variants).join(", ")})`);
const dir = mkdtempSync(join(tmpdir(), "audit-parts-"));
const sides: Side[] = [];
for (const name of names) sides.push(await side(dir, name));
for (let b = 0; b < batches; b++) {
  const batch = Array.from({ length: batch_size }, (_, i) => booking(b * batch_size + i));
  for (let k = 0; k < sides.length; k++) await timed(sides[(b + k) % sides.length]!, batch);
}
const n = batches * batch_size;
const us = (x: number) => (x / n).toFixed(2);
for (const s of sides) {
  const over = (x: number, base: number) => `${x >= base ? "+" : ""}${us(x - base)}`;
  console.log(
    `${s.name.padEnd(12)} CPU µs a booking ${us(s.cpu)} (${over(s.cpu, sides[0]!.cpu)}), of it system ${us(s.sys)} ` +
      `(${over(s.sys, sides[0]!.sys)}); wall ${us(s.wall * 1000)} (${over(s.wall * 1000, sides[0]!.wall * 1000)})`,
  );
}
for (const s of sides) await s.committer.close();
rmSync(dir, { recursive: true, force: true });

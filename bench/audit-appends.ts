// Audit appends that each differ from the shipped one (store/sqlite/sqlite-audit.ts) in one way, for
// bench/audit-parts.ts (the committer in process) and bench/audit-variants.ts (the server over TCP). Never
// shipped. Each record is hashed as the shipped one is (chain.ts hashOf).
import type { Database, Statement } from "bun:sqlite";
import { auditValues, genesis_hash, hashOf, type AuditContent } from "../roles/healthcenterserver/audit/chain.ts";

export type AppendRecords = (contents: readonly AuditContent[]) => void;
type Tail = { seq: number; hash: string } | undefined;

/** As shipped, the chain's tail read once and then kept in memory instead of read in each batch. */
export function cachedAppend(lastRecord: Statement, insert: Statement): AppendRecords {
  let tail: Tail;
  return (contents) => {
    tail ??= (lastRecord.get() as Tail | null) ?? undefined;
    for (const c of contents) {
      const seq = tail ? tail.seq + 1 : 1;
      const hash = hashOf(seq, tail?.hash ?? genesis_hash, c);
      insert.run(seq, ...(auditValues(c) as never[]), "", hash);
      tail = { seq, hash };
    }
  };
}

/** The batch's records in one row of another table (audit_p): each one's values and hash in a JSON array. */
export function packedAppend(db: Database): AppendRecords {
  db.run("CREATE TABLE IF NOT EXISTS audit_p (first_seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO audit_p (first_seq, body) VALUES (?, ?)");
  let tail: Tail;
  return (contents) => {
    if (contents.length === 0) return;
    const first = tail ? tail.seq + 1 : 1;
    const rows = contents.map((c) => {
      const seq = tail ? tail.seq + 1 : 1;
      const hash = hashOf(seq, tail?.hash ?? genesis_hash, c);
      tail = { seq, hash };
      return [...auditValues(c), hash];
    });
    insert.run(first, JSON.stringify(rows));
  };
}

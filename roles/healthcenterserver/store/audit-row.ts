// An audit record as the audit table stores it: its columns and its values in their order, one
// definition for the SQLite appender, the SQL one both databases share, and the bench.
import type { AuditRecord } from "../audit/chain.ts";

/** The audit table's columns, in the order auditRow gives a record's values. */
export const audit_columns =
  "seq, at_ms, actor, role, via, address, action, subject, before, after, reason, prev_hash, hash";

/** A record's values in the order of audit_columns, to store: prev_hash empty (chain.ts AuditRecord). */
export function auditRow(r: AuditRecord): (string | number)[] {
  const { seq, atMs, actor, role, via, address, action, subject, before, after, reason, hash } = r;
  return [seq, atMs, actor, role, via, address, action, subject, before, after, reason, "", hash];
}

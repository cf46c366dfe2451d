// The audit trail's tamper evidence: each record carries a SHA-256 of its own content and of the
// record before it, so changing, deleting, inserting or reordering a stored record breaks the chain
// at that record. Pure: the store reads and appends rows; this module only hashes and checks.

/** Who did what, when, from where and why. Before/after are JSON texts (or "" when there is none). */
export type AuditContent = {
  /** UTC epoch milliseconds. */
  atMs: number;
  /** A patient's or staff member's name, or "operator" for the command line. */
  actor: string;
  /** "patient", a staff role ("front-desk", "doctor", "admin", "auditor", "viewer") or "operator". */
  role: string;
  /** "tcp", "staff-page" or "cli". */
  via: string;
  /** The peer's address, or "" where there is none (the command line). */
  address: string;
  /** What happened: "booking.booked", "booking.cancelled", "staff.signin.failed", ... */
  action: string;
  /** What it happened to: an appointment, a staff account, a rule. */
  subject: string;
  before: string;
  after: string;
  reason: string;
};

/**
 * `prevHash`: the hash of the record before, which `hash` covers. The stores keep it empty ("") since it is
 * the row before's `hash`: 64 bytes less in every change's commit (docs/PERFORMANCE.md, issue 25, stop 34);
 * records written before that carry it, and the verifier checks it where it is there.
 */
export type AuditRecord = AuditContent & { seq: number; prevHash: string; hash: string };

/** The hash before the first record (and after an archive, the checkpoint's last hash). */
export const genesis_hash = "0".repeat(64);

/** A record's content fields in the order they are hashed (and exported). */
export const audit_fields: readonly (keyof AuditContent)[] = [
  "atMs",
  "actor",
  "role",
  "via",
  "address",
  "action",
  "subject",
  "before",
  "after",
  "reason",
];

/** The content's values in `audit_fields`' order, written out (no map: each booking's commit makes one). */
export function auditValues(c: AuditContent): (string | number)[] {
  return [c.atMs, c.actor, c.role, c.via, c.address, c.action, c.subject, c.before, c.after, c.reason];
}

/**
 * One unambiguous text per record: JSON of the fields in a fixed order (audit_fields'), so no choice of
 * separators inside a field can make two different records hash alike. Written out, no map: every
 * booking's commit makes one.
 */
export function canonical(seq: number, prevHash: string, c: AuditContent): string {
  const { atMs, actor, role, via, address, action, subject, before, after, reason } = c;
  return JSON.stringify([seq, prevHash, atMs, actor, role, via, address, action, subject, before, after, reason]);
}

export function hashOf(seq: number, prevHash: string, content: AuditContent): string {
  return Bun.SHA256.hash(canonical(seq, prevHash, content), "hex") as string;
}

/** The record that follows `last` (undefined: the first of the chain, or the first after a checkpoint). */
export function nextRecord(last: { seq: number; hash: string } | undefined, content: AuditContent): AuditRecord {
  const seq = last ? last.seq + 1 : 1;
  const prevHash = last ? last.hash : genesis_hash;
  return { ...content, seq, prevHash, hash: hashOf(seq, prevHash, content) };
}

export type Broken = { seq: number; why: string };

/**
 * Checks records in the order they are stored, from a starting point (the genesis, or an archive's
 * checkpoint). Returns the first record that does not match, or undefined when the chain holds.
 */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash: string;
  /** The hash the record before follows; undefined at the start (the genesis, or a signed checkpoint). */
  private beforePrev: string | undefined;
  count = 0;

  constructor(start: { seq: number; hash: string } = { seq: 0, hash: genesis_hash }) {
    this.expectedSeq = start.seq + 1;
    this.prevHash = start.hash;
  }

  check(record: AuditRecord): Broken | undefined {
    const seq = record.seq;
    if (seq !== this.expectedSeq) {
      const why =
        seq > this.expectedSeq
          ? `records ${this.expectedSeq}..${seq - 1} are missing`
          : `out of order (expected record ${this.expectedSeq})`;
      return { seq, why };
    }
    if (record.prevHash !== "" && record.prevHash !== this.prevHash)
      return { seq, why: "does not follow the record before it" };
    if (hashOf(seq, this.prevHash, record) !== record.hash) return { seq, why: this.mismatch(record) };
    this.expectedSeq = seq + 1;
    this.beforePrev = this.prevHash;
    this.prevHash = record.hash;
    this.count++;
    return undefined;
  }

  /**
   * Why a record's hash does not fit. A stored link that matched, or the start before it, puts the change in
   * this record; without a link (the stores keep none) the record before may have been changed and rehashed
   * instead, or this one may follow the same record as the one before (a fork: one more hash, on failure only).
   */
  private mismatch(record: AuditRecord): string {
    if (record.prevHash !== "" || this.beforePrev === undefined) return "its content was changed";
    if (hashOf(record.seq, this.beforePrev, record) === record.hash)
      return "does not follow the record before it: both follow the same record";
    return "its content was changed, or the record before it was changed and rehashed";
  }

  /** Where the next record must continue from. */
  get last(): { seq: number; hash: string } {
    return { seq: this.expectedSeq - 1, hash: this.prevHash };
  }
}

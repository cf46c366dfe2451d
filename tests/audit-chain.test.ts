import { describe, expect, test } from "bun:test";
import {
  audit_fields,
  auditValues,
  type AuditContent,
  type AuditRecord,
  canonical,
  ChainVerifier,
  genesis_hash,
  hashOf,
  nextRecord,
} from "../roles/healthcenterserver/audit/chain.ts";

function content(i: number): AuditContent {
  return {
    atMs: 1_796_000_000_000 + i * 1000,
    actor: `patient${i % 7}`,
    role: "patient",
    via: "tcp",
    address: `10.0.0.${i % 250}`,
    action: i % 3 === 0 ? "booking.cancelled" : "booking.booked",
    subject: `appointment ${i}`,
    before: "",
    after: JSON.stringify({ slot: i }),
    reason: i % 5 === 0 ? "rang to say\nthey cannot come" : "",
  };
}

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(nextRecord(out.at(-1), content(i)));
  return out;
}

function verify(records: AuditRecord[], start?: { seq: number; hash: string }) {
  const v = new ChainVerifier(start);
  for (const r of records) {
    const broken = v.check(r);
    if (broken) return broken;
  }
  return undefined;
}

/** A record without a stored link whose hash does not fit: it, or the record before it, was changed. */
const changed_or_before = "its content was changed, or the record before it was changed and rehashed";

describe("the audit chain", () => {
  test("auditValues and the canonical text give the content in audit_fields' order", () => {
    const c = content(5);
    expect(auditValues(c)).toEqual(audit_fields.map((f) => c[f]));
    expect(canonical(7, "ab", c)).toBe(JSON.stringify([7, "ab", ...audit_fields.map((f) => c[f])]));
  });

  test("an intact chain verifies, from the genesis and from a checkpoint", () => {
    const records = chain(200);
    expect(records[0]!.prevHash).toBe(genesis_hash);
    expect(verify(records)).toBeUndefined();
    expect(verify(records.slice(120), { seq: 120, hash: records[119]!.hash })).toBeUndefined();
  });

  test("a changed field is found at its record", () => {
    for (const field of ["actor", "reason", "after", "address"] as const) {
      const records = chain(50);
      records[17] = { ...records[17]!, [field]: `${records[17]![field]}x` };
      expect(verify(records)).toEqual({ seq: 18, why: "its content was changed" });
    }
    const records = chain(50);
    records[30] = { ...records[30]!, atMs: records[30]!.atMs + 1 };
    expect(verify(records)?.seq).toBe(31);
  });

  test("a deleted, an inserted and reordered records are found", () => {
    const deleted = chain(50);
    deleted.splice(10, 1);
    expect(verify(deleted)).toEqual({ seq: 12, why: "records 11..11 are missing" });

    const inserted = chain(50);
    const forged = nextRecord(inserted[9], content(999));
    inserted.splice(10, 0, forged);
    // The forged record fits after record 10, so the next genuine one no longer follows it.
    expect(verify(inserted)?.seq).toBe(11);

    const reordered = chain(50);
    [reordered[20], reordered[21]] = [reordered[21]!, reordered[20]!];
    expect(verify(reordered)?.seq).toBe(22);
  });

  test("a record rehashed after a change still breaks the link to the next one", () => {
    const records = chain(20);
    records[5] = nextRecord(records[4], { ...records[5]!, actor: "mallory" });
    expect(verify(records)).toEqual({ seq: 7, why: "does not follow the record before it" });
  });

  test("records stored without prev_hash (as the stores keep them) verify, after older ones that carry it", () => {
    const stored = (r: AuditRecord) => ({ ...r, prevHash: "" });
    const records = chain(40).map((r, i) => (i < 15 ? r : stored(r)));
    expect(verify(records)).toBeUndefined();
    // Without a stored link each tampering still breaks the record's own hash or the one after it.
    const changed = records.map((r, i) => (i === 25 ? { ...r, actor: "mallory" } : r));
    expect(verify(changed)).toEqual({ seq: 26, why: changed_or_before });
    const rehashed = [...records];
    rehashed[25] = stored(nextRecord(records[24], { ...records[25]!, actor: "mallory" }));
    expect(verify(rehashed)).toEqual({ seq: 27, why: changed_or_before });
    const swapped = [...records];
    [swapped[30], swapped[31]] = [
      { ...records[31]!, seq: 31 },
      { ...records[30]!, seq: 32 },
    ];
    expect(verify(swapped)).toEqual({ seq: 31, why: changed_or_before });
    // An older record's stored link is still checked.
    const relinked = records.map((r, i) => (i === 10 ? { ...r, prevHash: records[3]!.hash } : r));
    expect(verify(relinked)).toEqual({ seq: 11, why: "does not follow the record before it" });
  });

  test("without a stored link: the record after one rehashed is not called changed; a fork is named", () => {
    const records = chain(30).map((r) => ({ ...r, prevHash: "" }));
    // Record 12 rewritten and rehashed: record 13's content is intact, but its hash no longer fits.
    const rehashed = [...records];
    rehashed[11] = { ...nextRecord(records[10], { ...records[11]!, actor: "mallory" }), prevHash: "" };
    expect(verify(rehashed)).toEqual({ seq: 13, why: changed_or_before });
    // Records 12 and 13 both follow record 11 (two appends that read the same tail).
    const forked = [...records];
    forked[12] = { ...records[12]!, hash: hashOf(13, records[10]!.hash, records[12]!) };
    expect(verify(forked)).toEqual({
      seq: 13,
      why: "does not follow the record before it: both follow the same record",
    });
    // The first record after the genesis or a checkpoint has nothing before it that could have been rehashed.
    const first = records.map((r, i) => (i === 0 ? { ...r, actor: "mallory" } : r));
    expect(verify(first)).toEqual({ seq: 1, why: "its content was changed" });
    const afterCheckpoint = records.slice(20).map((r, i) => (i === 0 ? { ...r, actor: "mallory" } : r));
    expect(verify(afterCheckpoint, { seq: 20, hash: records[19]!.hash })).toEqual({
      seq: 21,
      why: "its content was changed",
    });
  });
});

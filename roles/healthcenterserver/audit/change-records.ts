// What the audit trail says about a booking change that was done: pure, shared by every store, so
// SQLite and PostgreSQL write the same records. A refused change is not a change: the caller that
// asked (the staff page) records its refusal itself.
import type { Change, ChangeResult } from "../store/appointment-store.ts";
import type { AuditContent } from "./chain.ts";

export function changeRecord(c: Change, r: ChangeResult, atMs: number): AuditContent | undefined {
  if (c.who === undefined || r.kind !== "done") return undefined;
  const { actor, role, via, address, reason } = c.who;
  const who = { atMs, actor, role, via, address, reason };
  // A staff override of the clinic's rules is said in the record: which rules it passed.
  const override = r.overrode ? { override: r.overrode } : {};
  const patient = c.patient;
  switch (c.kind) {
    case "book":
      return {
        ...who,
        action: "booking.booked",
        subject: `slot ${c.index}`,
        before: "",
        after: json({ patient, ...override }),
      };
    case "cancel":
      return {
        ...who,
        action: "booking.cancelled",
        subject: `slot ${c.index}`,
        before: json({ patient }),
        after: r.overrode ? json(override) : "",
      };
    case "move":
      return {
        ...who,
        action: "booking.moved",
        subject: `slot ${c.to}`,
        before: json({ slot: c.from, patient }),
        after: json({ slot: c.to, patient, ...override }),
      };
  }
}

const json = (value: object) => JSON.stringify(value);

/** The audit records of a committed batch: one per change done that says who asked. */
export function auditOf(batch: readonly Change[], results: readonly ChangeResult[], now: number): AuditContent[] {
  const out: AuditContent[] = [];
  batch.forEach((c, i) => {
    const record = changeRecord(c, results[i]!, now);
    if (record) out.push(record);
  });
  return out;
}

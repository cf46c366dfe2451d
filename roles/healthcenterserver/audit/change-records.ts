// What the audit trail says about a booking change that was done: pure, shared by every store, so
// SQLite and PostgreSQL write the same records. A refused change is not a change: the caller that
// asked (the staff page) records its refusal itself.
import type { Change, ChangeResult } from "../store/appointment-store.ts";
import type { CalendarEvent } from "../notify/outbox-plan.ts";
import type { AuditContent } from "./chain.ts";

/**
 * `event`: with the outbox on, the calendar event the change's messages carry (uid, sequence, length),
 * kept in the record's "after": the record is what the outbox's follower turns into messages, so they
 * are decided in the change's own transaction (notify/outbox-follower.ts).
 */
export function changeRecord(
  c: Change,
  r: ChangeResult,
  atMs: number,
  event?: CalendarEvent,
): AuditContent | undefined {
  if (r.kind !== "done" || (c.who === undefined && event === undefined)) return undefined;
  // A change that owes messages is recorded even when its caller named nobody: the record is where the
  // outbox's follower finds them (every server path names who asked; a store's caller may not).
  const { actor, role, via, address, reason } = c.who ?? unnamed;
  const who = { atMs, actor, role, via, address, reason };
  // A staff override of the clinic's rules is said in the record: which rules it passed.
  const override = r.overrode ? { override: r.overrode } : {};
  const extra = event ? { ...override, event } : override;
  const patient = c.patient;
  switch (c.kind) {
    case "book":
      return {
        ...who,
        action: "booking.booked",
        subject: `slot ${c.index}`,
        before: "",
        after: json({ patient, ...extra }),
      };
    case "cancel":
      return {
        ...who,
        action: "booking.cancelled",
        subject: `slot ${c.index}`,
        before: json({ patient }),
        after: r.overrode || event ? json(extra) : "",
      };
    case "move":
      return {
        ...who,
        action: "booking.moved",
        subject: `slot ${c.to}`,
        before: json({ slot: c.from, patient }),
        after: json({ slot: c.to, patient, ...extra }),
      };
  }
}

const json = (value: object) => JSON.stringify(value);

const unnamed = { actor: "", role: "unknown", via: "unknown", address: "", reason: "" };

/**
 * The audit records of a committed batch: one per change done that says who asked. `events`: by the
 * change's position, the calendar event of each (outbox on).
 */
export function auditOf(
  batch: readonly Change[],
  results: readonly ChangeResult[],
  now: number,
  events: readonly (CalendarEvent | undefined)[] = [],
): AuditContent[] {
  const out: AuditContent[] = [];
  batch.forEach((c, i) => {
    const record = changeRecord(c, results[i]!, now, events[i]);
    if (record) out.push(record);
  });
  return out;
}

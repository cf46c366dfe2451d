// Bookings on a calendar in SQLite, with the rules of appointment-store.ts: a change is stored as
// what was booked (doctor number, start instant, length, decoded from the slot id and the schedule),
// and one writer at a time (BEGIN IMMEDIATE) checks, inside the transaction, that no appointment of
// that doctor overlaps it: the one-winner guarantee covers appointments of different lengths. An
// appointment blocks [start - before, start + minutes + after) (its type's buffers; 0 for a plain slot),
// and a new one is refused (taken) when its own such span meets another's (overlap.ts's SQL).
import type { Database, Statement } from "bun:sqlite";
import { decodeSlotId } from "../../calendar/slot-id.ts";
import type { BookedAs, Change, ChangeResult, Committer, StoreOptions } from "../appointment-store.ts";
import { insert_appointment_sql, overlap_sql, overlapParams, takenBy } from "../overlap.ts";
import {
  cancelledEvent,
  movedRowIds,
  newUid,
  priorOf,
  type CalendarEvent,
  type Prior,
} from "../../notify/outbox-plan.ts";
import type { AuditContent } from "../../audit/chain.ts";
import { SqliteAudit, whenUnlocked } from "./sqlite-audit.ts";
import { auditOf } from "../../audit/change-records.ts";
import { doneWith, PolicyGate, refusedBy, slotLeft, stored_type_sql } from "../policy-gate.ts";
import type { Mark, MarkResult } from "../appointment-store.ts";
import { noShowWindowStart } from "../../calendar/visit-status.ts";
import { SqliteVisits, type Removed } from "./sqlite-visits.ts";
import { noShowLimited, visit_sql } from "../visit-records.ts";
import { refusedAsStale, rules_version_sql, stale_rules } from "../stale-rules.ts";

/** The length of the slot with this id, in minutes (from the schedule). */
export type LengthOf = (index: number) => number;

export class SqliteCalendarCommitter implements Committer {
  private readonly overlapping: Statement;
  private readonly insert: Statement;
  private readonly remove: Statement;
  private readonly countHeld: Statement;
  private readonly tx: (batch: readonly Change[]) => ChangeResult[];
  /** With the outbox on, each change's audit record carries its calendar event (outbox-follower.ts). */
  private readonly outbox: boolean;
  /** The event of the change apply() did last (set in the batch's transaction, read right after). */
  private event: CalendarEvent | undefined;
  private readonly audit: SqliteAudit;
  private readonly appendAlone: (contents: readonly AuditContent[]) => void;
  private readonly visits: SqliteVisits;
  private readonly markTx: (m: Mark) => MarkResult;
  private readonly gate: PolicyGate;
  /** The type an appointment was stored with, read only when some type has its own cut-off. */
  private readonly storedType: Statement;
  private readonly rulesVersion: Statement;
  /** This batch's transaction found the rules newer than the server's slots (store/stale-rules.ts). */
  private stale = false;

  constructor(
    private readonly db: Database,
    private readonly lengthOf: LengthOf,
    private readonly options: StoreOptions,
  ) {
    this.overlapping = db.prepare(overlap_sql);
    this.insert = db.prepare(insert_appointment_sql);
    this.remove = db.prepare(visit_sql.remove);
    this.gate = new PolicyGate(options.policy, options.typeRules);
    this.storedType = db.prepare(stored_type_sql);
    this.rulesVersion = db.prepare(rules_version_sql);
    this.countHeld = db.prepare(
      "SELECT count(*) AS n FROM appointments WHERE patient = ? AND start_ms + minutes * 60000 > ?",
    );
    this.outbox = (options.outbox?.channels.length ?? 0) > 0;
    this.audit = new SqliteAudit(db);
    const tx = db.transaction((batch: readonly Change[]) => {
      const now = Date.now();
      const known = options.calendarVersion?.();
      this.stale = known !== undefined && (this.rulesVersion.get() as { version: number }).version !== known;
      const events: (CalendarEvent | undefined)[] = [];
      const results = batch.map((c) => {
        this.event = undefined;
        const result = this.apply(c, now);
        events.push(this.event);
        return result;
      });
      this.audit.append(auditOf(batch, results, now, events));
      return results;
    });
    this.tx = (batch) => tx.immediate(batch);
    const alone = db.transaction((contents: readonly AuditContent[]) => this.audit.append(contents));
    this.appendAlone = (contents) => alone.immediate(contents);
    this.visits = new SqliteVisits(db);
    const mark = db.transaction((m: Mark) => {
      const now = Date.now();
      const { result, record } = this.visits.mark(m, now);
      if (record) this.audit.append([record]);
      return result;
    });
    this.markTx = (m) => mark.immediate(m);
  }

  /** A status change, checked and audited in a transaction of its own. */
  async mark(m: Mark): Promise<MarkResult> {
    return whenUnlocked(() => this.markTx(m));
  }

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    return this.tx(batch);
  }

  /** Audit records of what is not a booking change, in a transaction of their own. */
  async appendAudit(content: AuditContent): Promise<void> {
    await whenUnlocked(() => this.appendAlone([content]));
  }

  async close(): Promise<void> {
    for (const s of [this.overlapping, this.insert, this.remove, this.countHeld, this.storedType, this.rulesVersion])
      s.finalize();
    this.audit.finalize();
    this.visits.finalize();
    this.db.close(true);
  }

  /** The clinic's rules first (no statement when none is in the way), then the database's. */
  private apply(c: Change, now: number): ChangeResult {
    const verdict = this.gate.judge(c, now, this.typeLeft(c));
    switch (c.kind) {
      case "book": {
        if (verdict?.refused) return refusedBy(verdict.refused);
        const limit = this.options.bookingsPerPatient;
        if (limit > 0) {
          const held = (this.countHeld.get(c.patient, now) as { n: number }).n;
          if (held >= limit) return { kind: "limit", held };
        }
        if (noShowLimited(this.options, c.who)) {
          const count = this.visits.noShowsSince(c.patient, noShowWindowStart(now));
          if (count >= this.options.noShowLimit!) return { kind: "noshows", count };
        }
        if (refusedAsStale(this.stale, this.options, c.index, c.span)) return stale_rules;
        const uid = this.outbox ? newUid() : "";
        const taken = this.take(c.index, c.patient, now, c.span, { uid, seq: 0 });
        if (taken.kind !== "done") return taken;
        if (this.outbox) this.event = { uid, seq: 0, minutes: this.slot(c.index, c.patient, c.span).minutes };
        return doneWith(verdict);
      }
      case "cancel": {
        if (verdict?.refused) {
          const holder = this.visits.heldAt(c.index)?.patient ?? "";
          return holder === c.patient ? refusedBy(verdict.refused) : { kind: "notyours", holder };
        }
        const { doctorNumber, startMs } = decodeSlotId(c.index);
        const removed = this.remove.get(doctorNumber, startMs, c.patient) as Removed | null;
        if (removed !== null) {
          this.visits.keepCancelled(c.index, { ...removed, patient: c.patient }, now, c.who);
          if (this.outbox) this.event = cancelledEvent(this.slot(c.index, c.patient, removed), priorOf(removed));
          return doneWith(verdict);
        }
        const held = this.visits.heldAt(c.index);
        if (held?.patient === c.patient) return { kind: "visited", status: held.status };
        return { kind: "notyours", holder: held?.patient ?? "" };
      }
      case "move": {
        const held = this.visits.heldAt(c.from);
        const from = held?.patient ?? "";
        if (from !== c.patient) return { kind: "notyours", holder: from };
        if (held!.status !== "booked") return { kind: "visited", status: held!.status };
        if (c.to === c.from) return { kind: "taken", holder: from };
        if (verdict?.refused) return refusedBy(verdict.refused);
        if (refusedAsStale(this.stale, this.options, c.to, c.span)) return stale_rules;
        const { doctorNumber, startMs } = decodeSlotId(c.from);
        const old = this.remove.get(doctorNumber, startMs, c.patient) as Record<string, number | string>;
        const was = {
          type: String(old.type),
          minutes: +old.minutes!,
          before: +old.before_min!,
          after: +old.after_min!,
        };
        const stored = { uid: String(old.uid), seq: Number(old.seq) };
        const prior = priorOf(old);
        const fromSlot = this.slot(c.from, c.patient, was);
        const ids = movedRowIds(this.outbox, fromSlot, prior);
        const taken = this.take(c.to, c.patient, now, c.span, ids);
        if (taken.kind !== "done") {
          this.store(c.from, c.patient, Number(old.booked_at), was, stored);
          return taken;
        }
        if (this.outbox) this.event = { ...ids, minutes: this.slot(c.to, c.patient, c.span).minutes };
        return doneWith(verdict);
      }
    }
  }

  /** The stored type of the appointment a cancel or move leaves, when a type's own cut-off may apply. */
  private typeLeft(c: Change): string {
    const left = slotLeft(c);
    if (left === undefined || !this.gate.needsStoredType) return "";
    const { doctorNumber, startMs } = decodeSlotId(left);
    return (this.storedType.get(doctorNumber, startMs) as { type: string } | null)?.type ?? "";
  }

  /** Books the slot unless what it blocks meets what an appointment of its doctor blocks. */
  private take(index: number, patient: string, now: number, as: BookedAs | undefined, ids: Prior): ChangeResult {
    const span = as ?? { type: "", minutes: this.lengthOf(index), before: 0, after: 0 };
    const clash = this.overlapping.get(...overlapParams(index, span)) as { patient: string; start_ms: number } | null;
    if (clash) return takenBy(clash, decodeSlotId(index).startMs);
    this.store(index, patient, now, span, ids);
    return { kind: "done" };
  }

  /** `ids`: the uid and sequence of the appointment's latest message ('' and 0 for none). */
  private store(index: number, patient: string, bookedAt: number, span: BookedAs, ids: Prior): void {
    const { doctorNumber, startMs } = decodeSlotId(index);
    const { type, minutes, before, after } = span;
    this.insert.run(doctorNumber, startMs, minutes, patient, bookedAt, type, before, after, ids.uid, ids.seq);
  }

  /** `as`: what is booked there (its length), else the slot's default length. */
  private slot(index: number, patient: string, as?: Pick<BookedAs, "minutes">) {
    const { doctorNumber, startMs } = decodeSlotId(index);
    return { doctor: doctorNumber, startMs, minutes: as?.minutes ?? this.lengthOf(index), patient };
  }
}

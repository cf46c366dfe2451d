// Bookings on a calendar in PostgreSQL, shared by several servers. One-winner for overlaps: a batch
// takes a transaction-scoped advisory lock per doctor it books (in doctor order, so two servers never
// wait on each other in a cycle), then checks for an overlapping appointment and inserts. Chosen over
// an exclusion constraint (btree_gist on a tstzrange per doctor) because it needs no extension, which
// a managed database may not let the server's role create; (doctor, start) is still the primary key.
// Each commit notifies the others with the slot ids it touched; they read those slots again. Following
// them is PgMirror's job, as for the classic store (a re-read of everything at each (re)subscription,
// a failed read kept to read again), with the appointments table as its source.
import { auditOf } from "../../audit/change-records.ts";
import type { AuditContent } from "../../audit/chain.ts";
import { appendAuditRecords } from "../audit-records.ts";
import type { Log } from "../../../../shared/log.ts";
import type { Schedule } from "../../booking/schedule.ts";
import { decodeSlotId } from "../../calendar/slot-id.ts";
import type { BookedAs, Change, ChangeResult, Committer } from "../appointment-store.ts";
import type { Mark, MarkResult, StoreOptions } from "../appointment-store.ts";
import { insert_appointment_sql, overlap_sql, overlapParams, takenBy } from "../overlap.ts";
import { noShowWindowStart } from "../../calendar/visit-status.ts";
import { cancelIn, heldIn, markIn, noShowLimited, visit_sql } from "../visit-records.ts";
import { PgCalendarDb, type CalendarDb } from "../calendar-db.ts";
import type { PostgresTarget } from "../db-target.ts";
import { changeNotices } from "./pg-committer.ts";
import { openMigrated } from "./pg-connect.ts";
import { cancelledEvent, movedRowIds, newUid, priorOf } from "../../notify/outbox-plan.ts";
import type { CalendarEvent, Prior } from "../../notify/outbox-plan.ts";
import { doneWith, PolicyGate, refusedBy, slotLeft, stored_type_sql, type Verdict } from "../policy-gate.ts";
import { routeBunSqlWarnings } from "./bun-sql-warnings.ts";
import { PgMirror } from "./pg-mirror.ts";
import { appointments_channel, appointmentsSource } from "./pg-appointments-source.ts";
import { ListenProbe } from "./pg-listen-probe.ts";
import { lockDoctors, lockForBatch } from "./pg-doctor-locks.ts";
import { refusedAsStale, rules_version_sql, stale_rules } from "../stale-rules.ts";

export async function openPgCalendarDb(
  target: PostgresTarget,
  password: string | undefined,
  waitMs: number,
  log: Log,
): Promise<PgCalendarDb> {
  routeBunSqlWarnings(log);
  let db: PgCalendarDb | undefined;
  db = new PgCalendarDb(await openMigrated(target, password, waitMs, log, () => db?.connectionLost()));
  return db;
}

export class PgCalendarCommitter implements Committer {
  private readonly instance = crypto.randomUUID().slice(0, 13);
  private readonly mirror: PgMirror;
  /** With the outbox on, each change's audit record carries its calendar event (outbox-follower.ts). */
  private readonly outbox: boolean;
  /** The event of the change apply() did last (the Booker commits one batch at a time). */
  private event: CalendarEvent | undefined;
  private readonly gate: PolicyGate;
  private probe: ListenProbe | undefined;
  private stale = false; // this batch's rules are newer than the server's slots (store/stale-rules.ts)

  constructor(
    private readonly db: PgCalendarDb,
    schedule: Schedule,
    private readonly lengthOf: (index: number) => number,
    private readonly options: StoreOptions,
    log: Log,
    private readonly shown = "the calendar's database",
  ) {
    this.outbox = (options.outbox?.channels.length ?? 0) > 0;
    this.gate = new PolicyGate(options.policy, options.typeRules);
    this.mirror = new PgMirror(db.sql, schedule, this.instance, shown, log, appointmentsSource(db));
    db.connectionLost = () => this.mirror.connectionLost();
  }

  /** Re-reads leave the batch's slots alone until the Booker has recorded its outcome (as PgCommitter). */
  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    const slots = batch.flatMap(idsOf);
    this.mirror.committing(slots);
    try {
      const results = await this.commitBatch(batch);
      setTimeout(() => this.mirror.committed(slots), 0);
      return results;
    } catch (err) {
      setTimeout(() => this.mirror.uncertain(slots), 0);
      throw err;
    }
  }

  private async commitBatch(batch: readonly Change[]): Promise<ChangeResult[]> {
    const doctors = new Set<number>();
    for (const c of batch) for (const id of idsOf(c)) doctors.add(decodeSlotId(id).doctorNumber);
    const counted = this.options.bookingsPerPatient > 0 || (this.options.noShowLimit ?? 0) > 0;
    const patients = counted ? [...new Set(batch.map((c) => c.patient))].sort() : [];
    return this.db.transaction(async (tx) => {
      await lockForBatch(tx, doctors, patients);
      // Read once the rules' lock is held: an edit that held it has committed its version by now.
      const known = this.options.calendarVersion?.();
      this.stale = known !== undefined && Number((await tx.all(rules_version_sql))[0]?.version) !== known;
      const now = Date.now();
      const results: ChangeResult[] = [];
      const events: (CalendarEvent | undefined)[] = [];
      for (const c of batch) {
        this.event = undefined;
        results.push(await this.apply(tx, c, now));
        events.push(this.event);
      }
      await appendAuditRecords(tx, auditOf(batch, results, now, events));
      // Split as the classic store's notices are: one too long for PostgreSQL was skipped, and the
      // other servers never learned of that batch (a cancelled slot stayed taken in their memory).
      for (const payload of changeNotices(this.instance, batch.flatMap(idsOf)))
        await tx.run("SELECT pg_notify(?, ?)", [appointments_channel, payload]);
      return results;
    });
  }

  /** A status change under the doctor's lock (so it is ordered with that doctor's changes), audited in it. */
  async mark(m: Mark): Promise<MarkResult> {
    return this.db.transaction(async (tx) => {
      await lockDoctors(tx, [decodeSlotId(m.index).doctorNumber]);
      const { result, record } = await markIn(tx, m, Date.now());
      if (record) await appendAuditRecords(tx, [record]);
      return result;
    });
  }

  /** An audit record of what is not a booking change, in a transaction of its own. */
  async appendAudit(content: AuditContent): Promise<void> {
    await this.db.transaction((tx) => appendAuditRecords(tx, [content]));
  }

  /** Follows other servers' bookings: the slots they name are read again, and all of them at each (re)subscription. */
  async listen(isPending: (index: number) => boolean): Promise<void> {
    this.mirror.attach(isPending);
    await this.mirror.listen();
    this.probe = await ListenProbe.start(this.db.sql, appointments_channel, this.instance, this.shown);
  }

  /** Why this server cannot use the calendar now: its re-reads of the others' changes fail. */
  problem(): string | undefined {
    return this.mirror.problem();
  }

  /** For /readyz: re-reads failing, or the database or this server's LISTEN not answering now. */
  async checkNow(): Promise<string | undefined> {
    const failing = this.mirror.problem();
    if (failing !== undefined) return failing;
    return this.probe ? this.probe.checkNow() : "not following the other servers' changes yet (starting)";
  }

  async close(): Promise<void> {
    await this.probe?.close();
    await this.mirror.close();
    await this.db.close();
  }

  private async apply(tx: CalendarDb, c: Change, now: number): Promise<ChangeResult> {
    const verdict = this.gate.judge(c, now, await this.typeLeft(tx, c));
    switch (c.kind) {
      case "book": {
        if (verdict?.refused) return refusedBy(verdict.refused);
        const limit = this.options.bookingsPerPatient;
        if (limit > 0) {
          const rows = await tx.all(
            "SELECT count(*)::int AS n FROM appointments WHERE patient = ? AND start_ms + minutes * 60000 > ?",
            [c.patient, now],
          );
          const held = Number(rows[0]!.n);
          if (held >= limit) return { kind: "limit", held };
        }
        if (noShowLimited(this.options, c.who)) {
          const rows = await tx.all(visit_sql.noShows, [c.patient, noShowWindowStart(now)]);
          const count = Number(rows[0]!.n);
          if (count >= this.options.noShowLimit!) return { kind: "noshows", count };
        }
        if (refusedAsStale(this.stale, this.options, c.index, c.span)) return stale_rules;
        const uid = this.outbox ? newUid() : "";
        const taken = await this.take(tx, c.index, c.patient, now, c.span, { uid, seq: 0 });
        if (taken.kind !== "done") return taken;
        if (this.outbox) this.event = { uid, seq: 0, minutes: this.slot(c.index, c.patient, c.span).minutes };
        return doneWith(verdict);
      }
      case "cancel":
        return this.cancel(tx, c, now, verdict);
      case "move": {
        const held = await heldIn(tx, c.from);
        const from = held?.patient ?? "";
        if (from !== c.patient) return { kind: "notyours", holder: from };
        if (held!.status !== "booked") return { kind: "visited", status: held!.status };
        if (c.to === c.from) return { kind: "taken", holder: from };
        if (verdict?.refused) return refusedBy(verdict.refused);
        if (refusedAsStale(this.stale, this.options, c.to, c.span)) return stale_rules;
        await tx.run("SAVEPOINT move");
        const { doctorNumber, startMs } = decodeSlotId(c.from);
        const left = "DELETE FROM appointments WHERE doctor = ? AND start_ms = ? RETURNING uid, seq";
        const prior = priorOf((await tx.all(left, [doctorNumber, startMs]))[0]);
        const fromSlot = this.slot(c.from, c.patient);
        const ids = movedRowIds(this.outbox, fromSlot, prior);
        const taken = await this.take(tx, c.to, c.patient, now, c.span, ids);
        await tx.run(taken.kind === "done" ? "RELEASE SAVEPOINT move" : "ROLLBACK TO SAVEPOINT move");
        if (taken.kind !== "done") return taken;
        if (this.outbox) this.event = { ...ids, minutes: this.slot(c.to, c.patient, c.span).minutes };
        return doneWith(verdict);
      }
    }
  }

  private async typeLeft(tx: CalendarDb, c: Change): Promise<string> {
    const left = slotLeft(c);
    if (left === undefined || !this.gate.needsStoredType) return "";
    const { doctorNumber, startMs } = decodeSlotId(left);
    return String((await tx.all(stored_type_sql, [doctorNumber, startMs]))[0]?.type ?? "");
  }

  private async cancel(tx: CalendarDb, c: CancelChange, now: number, verdict?: Verdict): Promise<ChangeResult> {
    if (verdict?.refused) {
      const holder = (await heldIn(tx, c.index))?.patient ?? "";
      return holder === c.patient ? refusedBy(verdict.refused) : { kind: "notyours", holder };
    }
    const { result, minutes, prior } = await cancelIn(tx, c, c.index, now);
    if (result.kind !== "done") return result;
    if (this.outbox) this.event = cancelledEvent(this.slot(c.index, c.patient, { minutes: minutes! }), prior);
    return doneWith(verdict);
  }

  /** Books the slot unless what it blocks meets what an appointment of its doctor blocks (overlap.ts). */
  private async take(
    tx: CalendarDb,
    index: number,
    patient: string,
    now: number,
    as: BookedAs | undefined,
    ids: Prior,
  ): Promise<ChangeResult> {
    const { doctorNumber, startMs } = decodeSlotId(index);
    const span = as ?? { type: "", minutes: this.lengthOf(index), before: 0, after: 0 };
    const clash = await tx.all(overlap_sql, overlapParams(index, span));
    if (clash[0]) return takenBy(clash[0] as { patient: unknown; start_ms: unknown }, startMs);
    const { type, minutes, before, after } = span;
    const values = [doctorNumber, startMs, minutes, patient, now, type, before, after, ids.uid, ids.seq];
    await tx.run(insert_appointment_sql, values);
    return { kind: "done" };
  }

  /** `as`: what is booked there (its length), else the slot's default length. */
  private slot(index: number, patient: string, as?: Pick<BookedAs, "minutes">) {
    const { doctorNumber, startMs } = decodeSlotId(index);
    return { doctor: doctorNumber, startMs, minutes: as?.minutes ?? this.lengthOf(index), patient };
  }
}

type CancelChange = Extract<Change, { kind: "cancel" }>;
const idsOf = (c: Change): number[] => (c.kind === "move" ? [c.from, c.to] : [c.index]);

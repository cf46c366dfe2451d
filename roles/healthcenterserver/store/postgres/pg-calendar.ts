// Bookings on a calendar in PostgreSQL, shared by several servers. One-winner for overlaps: a batch
// takes a transaction-scoped advisory lock per doctor it books (in doctor order, so two servers never
// wait on each other in a cycle), then checks for an overlapping appointment and inserts. Chosen over
// an exclusion constraint (btree_gist on a tstzrange per doctor) because it needs no extension, which
// a managed database may not let the server's role create; (doctor, start) is still the primary key.
// Each commit notifies the others with the slot ids it touched; they read those slots again.
import { auditOf } from "../../audit/change-records.ts";
import type { AuditContent } from "../../audit/chain.ts";
import { appendAuditRecords } from "../audit-records.ts";
import * as limits from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import type { Schedule } from "../../booking/schedule.ts";
import { decodeSlotId } from "../../calendar/slot-id.ts";
import type { Change, ChangeResult, Committer, StoreOptions } from "../appointment-store.ts";
import { PgCalendarDb, type CalendarDb } from "../calendar-db.ts";
import type { PostgresTarget } from "../db-target.ts";
import { changeNotices, parseChangeNotice } from "./pg-committer.ts";
import { openMigrated } from "./pg-connect.ts";
import { PgOutbox } from "./pg-outbox.ts";

const appointments_channel = "calendar_appointments";
const doctor_lock_class = 0x646f6374; // "doct"
const patient_lock_class = 0x70617469; // "pati", as pg-changes.ts

export async function openPgCalendarDb(
  target: PostgresTarget,
  password: string | undefined,
  waitMs: number,
  log: Log,
): Promise<PgCalendarDb> {
  return new PgCalendarDb(await openMigrated(target, password, waitMs, log));
}

export class PgCalendarCommitter implements Committer {
  private readonly instance = crypto.randomUUID().slice(0, 13);
  private subscription: { unlisten(): Promise<void> } | undefined;
  private isPending: (index: number) => boolean = () => false;
  /** Writes each change's messages in its transaction, when the outbox is on. */
  private readonly outbox: PgOutbox | undefined;

  constructor(
    private readonly db: PgCalendarDb,
    private readonly schedule: Schedule,
    private readonly lengthOf: (index: number) => number,
    private readonly options: StoreOptions,
    private readonly log: Log,
  ) {
    this.outbox = options.outbox?.channels.length ? new PgOutbox(options.outbox) : undefined;
  }

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    const doctors = new Set<number>();
    for (const c of batch) for (const id of idsOf(c)) doctors.add(decodeSlotId(id).doctorNumber);
    const patients = this.options.bookingsPerPatient > 0 ? [...new Set(batch.map((c) => c.patient))].sort() : [];
    return this.db.transaction(async (tx) => {
      for (const d of [...doctors].sort((a, b) => a - b))
        await tx.run("SELECT pg_advisory_xact_lock(?::int, ?::int)", [doctor_lock_class, d]);
      for (const p of patients)
        await tx.run("SELECT pg_advisory_xact_lock(?::int, hashtext(?))", [patient_lock_class, p]);
      const now = Date.now();
      const results: ChangeResult[] = [];
      for (const c of batch) results.push(await this.apply(tx, c, now));
      await appendAuditRecords(tx, auditOf(batch, results, now));
      // Split as the classic store's notices are: one too long for PostgreSQL was skipped, and the
      // other servers never learned of that batch (a cancelled slot stayed taken in their memory).
      for (const payload of changeNotices(this.instance, batch.flatMap(idsOf)))
        await tx.run("SELECT pg_notify(?, ?)", [appointments_channel, payload]);
      return results;
    });
  }

  /** An audit record of what is not a booking change, in a transaction of its own. */
  async appendAudit(content: AuditContent): Promise<void> {
    await this.db.transaction((tx) => appendAuditRecords(tx, [content]));
  }

  /** Follows other servers' bookings: the slots they name are read again. */
  async listen(isPending: (index: number) => boolean): Promise<void> {
    this.isPending = isPending;
    this.subscription = await this.db.sql.listen(appointments_channel, (payload) => void this.onNotice(payload));
  }

  async close(): Promise<void> {
    await this.subscription?.unlisten();
    await this.db.close();
  }

  private async onNotice(payload: string): Promise<void> {
    const notice = parseChangeNotice(payload);
    if (!notice || notice.instance === this.instance) return;
    try {
      for (const id of notice.slots) await this.reread(id);
    } catch (err) {
      this.log.warn(`cannot read another server's bookings: ${(err as Error).message}`);
    }
  }

  private async reread(id: number): Promise<void> {
    const { doctorNumber, startMs } = decodeSlotId(id);
    const rows = await this.db.all("SELECT patient FROM appointments WHERE doctor = ? AND start_ms = ?", [
      doctorNumber,
      startMs,
    ]);
    const s = this.schedule;
    if (s.position(id) === undefined || this.isPending(id)) return;
    const stored = rows[0] ? String(rows[0].patient) : undefined;
    const memory = s.holderOf(id);
    if (stored === memory) return;
    if (memory === undefined) s.reserve(id, stored!);
    else if (stored === undefined) s.release(id);
    else s.correctHolder(id, stored);
    s.changes.publish({ index: id, holder: stored });
  }

  private async apply(tx: CalendarDb, c: Change, now: number): Promise<ChangeResult> {
    switch (c.kind) {
      case "book": {
        const limit = this.options.bookingsPerPatient;
        if (limit > 0) {
          const rows = await tx.all(
            "SELECT count(*)::int AS n FROM appointments WHERE patient = ? AND start_ms + minutes * 60000 > ?",
            [c.patient, now],
          );
          const held = Number(rows[0]!.n);
          if (held >= limit) return { kind: "limit", held };
        }
        const taken = await this.take(tx, c.index, c.patient, now);
        if (taken.kind === "done") await this.outbox?.booked(tx, this.slot(c.index, c.patient), now);
        return taken;
      }
      case "cancel": {
        const { doctorNumber, startMs } = decodeSlotId(c.index);
        const rows = await tx.all(
          "DELETE FROM appointments WHERE doctor = ? AND start_ms = ? AND patient = ? RETURNING doctor",
          [doctorNumber, startMs, c.patient],
        );
        if (rows.length > 0) {
          await this.outbox?.cancelled(tx, this.slot(c.index, c.patient), now);
          return { kind: "done" };
        }
        return { kind: "notyours", holder: await holderOf(tx, c.index) };
      }
      case "move": {
        const from = await holderOf(tx, c.from);
        if (from !== c.patient) return { kind: "notyours", holder: from };
        if (c.to === c.from) return { kind: "taken", holder: from };
        await tx.run("SAVEPOINT move");
        const { doctorNumber, startMs } = decodeSlotId(c.from);
        await tx.run("DELETE FROM appointments WHERE doctor = ? AND start_ms = ?", [doctorNumber, startMs]);
        const taken = await this.take(tx, c.to, c.patient, now);
        await tx.run(taken.kind === "done" ? "RELEASE SAVEPOINT move" : "ROLLBACK TO SAVEPOINT move");
        if (taken.kind === "done")
          await this.outbox?.moved(tx, this.slot(c.from, c.patient), this.slot(c.to, c.patient), now);
        return taken;
      }
    }
  }

  private async take(tx: CalendarDb, index: number, patient: string, now: number): Promise<ChangeResult> {
    const { doctorNumber, startMs } = decodeSlotId(index);
    const minutes = this.lengthOf(index);
    const clash = await tx.all(
      `SELECT patient FROM appointments WHERE doctor = ? AND start_ms > ? AND start_ms < ?
       AND start_ms + minutes * 60000 > ? LIMIT 1`,
      [doctorNumber, startMs - limits.appointment_minutes_max * 60_000, startMs + minutes * 60_000, startMs],
    );
    if (clash[0]) return { kind: "taken", holder: String(clash[0].patient) };
    await tx.run("INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at) VALUES (?, ?, ?, ?, ?)", [
      doctorNumber,
      startMs,
      minutes,
      patient,
      now,
    ]);
    return { kind: "done" };
  }

  private slot(index: number, patient: string) {
    const { doctorNumber, startMs } = decodeSlotId(index);
    return { doctor: doctorNumber, startMs, minutes: this.lengthOf(index), patient };
  }
}

const idsOf = (c: Change): number[] => (c.kind === "move" ? [c.from, c.to] : [c.index]);

async function holderOf(tx: CalendarDb, index: number): Promise<string> {
  const { doctorNumber, startMs } = decodeSlotId(index);
  const rows = await tx.all("SELECT patient FROM appointments WHERE doctor = ? AND start_ms = ?", [
    doctorNumber,
    startMs,
  ]);
  return rows[0] ? String(rows[0].patient) : "";
}

// What happened at the visit, in the calendar's tables, with one SQL for SQLite and PostgreSQL: the
// status of an appointment that holds its time (appointments.status), cancelled appointments kept in
// appointments_closed (so (doctor, start) stays the primary key of what holds time, and the overlap
// check is unchanged), no-shows counted for the clinic's limit, and the lists the page and `mine past`
// read. The SQLite committer runs the same statements prepared (sqlite/sqlite-visits.ts), PostgreSQL
// through these functions, each inside the change's own transaction.
import { decodeSlotId, slotId } from "../calendar/slot-id.ts";
import { markRefusal, type HeldStatus, type VisitStatus } from "../calendar/visit-status.ts";
import type { AuditContent } from "../audit/chain.ts";
import type { Change, ChangeResult, ChangeWho, Mark, MarkResult, StoreOptions, Visit } from "./appointment-store.ts";
import type { CalendarDb, Row } from "./calendar-db.ts";
import { priorOf, type Prior } from "../notify/outbox-plan.ts";

export const visit_sql = {
  /** doctor, start, patient: a booked appointment cancelled (one already visited is not). */
  remove:
    "DELETE FROM appointments WHERE doctor = ? AND start_ms = ? AND patient = ? AND status = 'booked' " +
    "RETURNING minutes, booked_at, type, before_min, after_min, uid, seq",
  /** doctor, start -> the appointment holding that start. */
  held: "SELECT patient, status, minutes, booked_at FROM appointments WHERE doctor = ? AND start_ms = ?",
  /** doctor, start: was an appointment there cancelled? */
  closed: "SELECT 1 AS found FROM appointments_closed WHERE doctor = ? AND start_ms = ? LIMIT 1",
  /** doctor, start, minutes, patient, booked_at, type, closed_at, closed_by, reason. */
  close: `INSERT INTO appointments_closed
    (doctor, start_ms, minutes, patient, booked_at, type, status, closed_at, closed_by, reason)
    VALUES (?, ?, ?, ?, ?, ?, 'cancelled', ?, ?, ?)`,
  /** status, doctor, start. */
  setStatus: "UPDATE appointments SET status = ? WHERE doctor = ? AND start_ms = ?",
  /** patient, since -> n. */
  noShows:
    "SELECT CAST(count(*) AS INTEGER) AS n FROM appointments WHERE patient = ? AND status = 'noshow' AND start_ms >= ?",
};

/** Who closed a cancelled appointment: the patient themselves, or the clinic (staff, with a reason). */
export function closedBy(who: ChangeWho | undefined): { by: string; reason: string } {
  if (who === undefined || who.role === "patient") return { by: "patient", reason: "" };
  return { by: "clinic", reason: who.reason };
}

/** Does the no-show limit apply to this booking? A patient's own, when the clinic set one; staff may book anyway. */
export function noShowLimited(options: StoreOptions, who: ChangeWho | undefined): boolean {
  return (options.noShowLimit ?? 0) > 0 && (who === undefined || who.role === "patient");
}

/** The audit record of a status change (written in its transaction). */
export function markRecord(m: Mark, patient: string, before: HeldStatus, atMs: number): AuditContent | undefined {
  if (m.who === undefined) return undefined;
  const { actor, role, via, address, reason } = m.who;
  return {
    atMs,
    actor,
    role,
    via,
    address,
    reason,
    action: `appointment.${m.status}`,
    subject: `slot ${m.index}`,
    before: JSON.stringify({ patient, status: before }),
    after: JSON.stringify({ patient, status: m.status }),
  };
}

/** What the appointment at a slot is, for a mark: held (with its status), cancelled, or nothing. */
export type MarkTarget = { patient: string; status: HeldStatus } | "cancelled" | undefined;

/** The check of a mark, the same for both stores: the result, or undefined when it may go ahead. */
export function checkMark(m: Mark, target: MarkTarget, now: number): MarkResult | undefined {
  if (target === undefined) return { kind: "refused", reason: `no appointment at slot ${m.index}` };
  const from: VisitStatus = target === "cancelled" ? "cancelled" : target.status;
  const refused = markRefusal(from, m.status, decodeSlotId(m.index).startMs, now, m.index);
  return refused === undefined ? undefined : { kind: "refused", reason: refused };
}

/** A mark inside a transaction of `tx` (PostgreSQL: the caller holds the doctor's lock). */
export async function markIn(
  tx: CalendarDb,
  m: Mark,
  now: number,
): Promise<{ result: MarkResult; record?: AuditContent }> {
  const { doctorNumber, startMs } = decodeSlotId(m.index);
  let target: MarkTarget = await heldIn(tx, m.index);
  if (target === undefined && (await tx.all(visit_sql.closed, [doctorNumber, startMs])).length > 0)
    target = "cancelled";
  const refused = checkMark(m, target, now);
  if (refused) return { result: refused };
  const held = target as { patient: string; status: HeldStatus };
  await tx.run(visit_sql.setStatus, [m.status, doctorNumber, startMs]);
  return {
    result: { kind: "done", patient: held.patient, before: held.status },
    record: markRecord(m, held.patient, held.status, now),
  };
}

/** The appointment holding a slot's start, with its status (PostgreSQL; SQLite prepares visit_sql.held). */
export async function heldIn(
  tx: CalendarDb,
  index: number,
): Promise<{ patient: string; status: HeldStatus } | undefined> {
  const { doctorNumber, startMs } = decodeSlotId(index);
  const rows = await tx.all(visit_sql.held, [doctorNumber, startMs]);
  return rows[0] && { patient: String(rows[0].patient), status: String(rows[0].status) as HeldStatus };
}

/**
 * A cancellation inside the change's transaction: the appointment kept in appointments_closed, its time
 * free; `minutes`: the cancelled appointment's stored length (its type's), `prior` its uid and sequence
 * (none: it has had no message), when done.
 */
export async function cancelIn(
  tx: CalendarDb,
  c: Change,
  index: number,
  now: number,
): Promise<{ result: ChangeResult; minutes?: number; prior?: Prior }> {
  const { doctorNumber, startMs } = decodeSlotId(index);
  const rows = await tx.all(visit_sql.remove, [doctorNumber, startMs, c.patient]);
  if (rows[0]) {
    const { by, reason } = closedBy(c.who);
    const r = rows[0];
    const kept = [doctorNumber, startMs, Number(r.minutes), c.patient, Number(r.booked_at), String(r.type)];
    await tx.run(visit_sql.close, [...kept, now, by, reason]);
    return { result: { kind: "done" }, minutes: Number(r.minutes), prior: priorOf(r) };
  }
  const held = await heldIn(tx, index);
  if (held?.patient === c.patient) return { result: { kind: "visited", status: held.status } };
  return { result: { kind: "notyours", holder: held?.patient ?? "" } };
}

/** The appointments starting in [fromMs, toMs), cancelled ones included, in time order then doctor. */
export async function visitsBetween(
  db: CalendarDb,
  fromMs: number,
  toMs: number,
  limit: number,
  patient?: string,
): Promise<Visit[]> {
  // A patient's: their index. Everybody's: (doctor, start) per doctor, the primary key's order (a scan
  // of every appointment otherwise, the planner having no statistics to go by).
  const mine = patient === undefined ? " AND x.doctor IN (SELECT id FROM calendar_doctors)" : " AND x.patient = ?";
  const part = (table: string, extra: string) =>
    `SELECT x.doctor, d.name, d.port, x.start_ms, x.minutes, x.patient, ${extra} FROM ${table} x
     JOIN calendar_doctors d ON d.id = x.doctor WHERE x.start_ms >= ? AND x.start_ms < ?${mine}`;
  const params = patient === undefined ? [fromMs, toMs] : [fromMs, toMs, patient];
  // Cancelled ones first at the same start: they came before whoever holds it now. Cut at `limit`, a
  // patient's past keeps its most recent visits (read newest first, then turned), a day's list its first.
  const order = patient === undefined ? "" : " DESC";
  const rows = await db.all(
    `${part("appointments", "x.status, '' AS closed_by, '' AS reason, 1 AS held, 0 AS closed_at")}
     UNION ALL ${part("appointments_closed", "x.status, x.closed_by, x.reason, 0 AS held, x.closed_at")}
     ORDER BY start_ms${order}, doctor${order}, held${order}, closed_at${order} LIMIT ?`,
    [...params, ...params, limit],
  );
  if (patient !== undefined) rows.reverse();
  return rows.map(toVisit);
}

function toVisit(r: Row): Visit {
  const visit: Visit = {
    slot: slotId(Number(r.doctor), Number(r.start_ms)),
    doctor: String(r.name),
    port: Number(r.port),
    startMs: Number(r.start_ms),
    minutes: Number(r.minutes),
    patient: String(r.patient),
    status: String(r.status) as VisitStatus,
  };
  if (visit.status === "cancelled") {
    visit.cancelledBy = String(r.closed_by);
    visit.reason = String(r.reason);
  }
  return visit;
}

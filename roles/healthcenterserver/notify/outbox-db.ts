// The sender's statements on the outbox, the same SQL on SQLite and PostgreSQL (calendar-db.ts).
// A claim is a lease: the rows it takes get their try counted and next_ms moved past the send's time
// in one statement, so a server killed while sending leaves them to be taken
// again once the lease ends. On PostgreSQL the claim skips rows another server has locked
// (FOR UPDATE SKIP LOCKED): several servers share the work and none takes a row another holds.
import { SqliteCalendarDb, type CalendarDb, type Row } from "../store/calendar-db.ts";
import { derivedUid, priorOf, type Channel, type Prior, type Slot } from "./outbox-plan.ts";
import type { OutboxKind } from "./when.ts";

export type OutboxMessage = {
  id: number;
  uid: string;
  kind: OutboxKind;
  seq: number;
  channel: Channel;
  patient: string;
  doctor: number;
  startMs: number;
  minutes: number;
  dueMs: number;
  attempts: number;
  /** A move's: the start it left (when.ts decide); undefined for other messages. */
  oldStartMs: number | undefined;
};

export type OutboxState = "pending" | "sent" | "failed" | "skipped" | "withdrawn";
export type OutboxCounts = Record<OutboxState, number> & { oldestPendingMs: number | undefined };

const message = (r: Row): OutboxMessage => ({
  id: Number(r.id),
  uid: String(r.uid),
  kind: String(r.kind) as OutboxKind,
  seq: Number(r.seq),
  channel: String(r.channel) as Channel,
  patient: String(r.patient),
  doctor: Number(r.doctor),
  startMs: Number(r.start_ms),
  minutes: Number(r.minutes),
  dueMs: Number(r.due_ms),
  attempts: Number(r.attempts),
  oldStartMs: r.old_start_ms === null || r.old_start_ms === undefined ? undefined : Number(r.old_start_ms),
});

/** Takes up to `count` due messages, leased until `leaseUntil`. */
export async function claim(db: CalendarDb, now: number, leaseUntil: number, count: number): Promise<OutboxMessage[]> {
  const skip = db.kind === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  // One statement, so atomic on its own: no transaction held open (SQLite's connection is the committer's).
  // On SQLite its commit is not synced (one fsync less per pass, on the bookings' thread): a claim lost to
  // a power cut only lets its messages be claimed again, as the end of its lease would.
  const sql =
    "UPDATE outbox SET attempts = attempts + 1, next_ms = ? WHERE id IN (SELECT id FROM outbox " +
    `WHERE state = 'pending' AND next_ms <= ? ORDER BY next_ms LIMIT ?${skip}) RETURNING *`;
  const params = [leaseUntil, now, count];
  const rows = db instanceof SqliteCalendarDb ? db.allUnsynced(sql, params) : await db.all(sql, params);
  return rows.map(message).sort((a, b) => a.dueMs - b.dueMs);
}

/**
 * The sender's own writes after its claim (sent, failed, skipped, retry): on SQLite committed without an
 * fsync, as the claim is (WAL, synchronous = NORMAL for the statement): kill -9 loses none of them (the OS
 * has the WAL), only a power cut can, and then a sent message is sent again under the same key
 * (docs/RELIABILITY.md). No fsync of the sender's competes with the bookings' commits for the writer.
 */
async function write(db: CalendarDb, sql: string, params: unknown[]): Promise<void> {
  if (db instanceof SqliteCalendarDb) db.allUnsynced(sql, params);
  else await db.run(sql, params);
}

/** Done for good: sent, failed past the limit, or skipped (no contact, appointment begun). */
export async function finish(db: CalendarDb, id: number, state: OutboxState, now: number, error = ""): Promise<void> {
  await write(db, "UPDATE outbox SET state = ?, done_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'", [
    state,
    now,
    error,
    id,
  ]);
}

/** Many done at once, in one statement. */
export async function finishMany(db: CalendarDb, ids: number[], state: OutboxState, now: number, error: string) {
  if (ids.length === 0) return;
  await write(
    db,
    `UPDATE outbox SET state = ?, done_ms = ?, last_error = ? WHERE id IN (${ids.map(() => "?").join(", ")}) ` +
      "AND state = 'pending'",
    [state, now, error, ...ids],
  );
}

/**
 * Messages held for quiet hours are taken up again at once, for the sender to judge with the quiet hours it
 * has now: a clinic that shortened them, or turned them off, and restarted, had its held confirmations wait
 * until the old hours' end. A message due within `keepMs` is left alone: it may be under a claim's lease, the
 * claim of a server whose clock is ahead of this one's (outbox_quiet_retake_after_ms).
 */
export async function retakeQuietHeld(db: CalendarDb, now: number, keepMs: number): Promise<void> {
  await write(
    db,
    "UPDATE outbox SET next_ms = ? WHERE state = 'pending' AND last_error = 'quiet hours' AND next_ms > ?",
    [now, now + keepMs],
  );
}

/** Tried again at `nextMs`; `uncount` gives back the try the claim counted (quiet hours are no failure). */
export async function retryAt(db: CalendarDb, id: number, nextMs: number, error: string, uncount = false) {
  await write(
    db,
    `UPDATE outbox SET next_ms = ?, last_error = ?${uncount ? ", attempts = attempts - 1" : ""} ` +
      "WHERE id = ? AND state = 'pending'",
    [nextMs, error, id],
  );
}

/**
 * Counted from the index by state alone (outbox_due: a third of the table's bytes), and the oldest pending
 * from the pending ones only: the counts still read every message's index entry (sent ones are kept).
 */
export async function counts(db: CalendarDb): Promise<OutboxCounts> {
  const rows = await db.all("SELECT state, count(*) AS n FROM outbox GROUP BY state");
  const c: OutboxCounts = { pending: 0, sent: 0, failed: 0, skipped: 0, withdrawn: 0, oldestPendingMs: undefined };
  for (const r of rows) {
    const state = String(r.state) as OutboxState;
    if (state in c) c[state] = Number(r.n);
  }
  if (c.pending > 0) {
    const [oldest] = await db.all("SELECT min(due_ms) AS oldest FROM outbox WHERE state = 'pending'");
    c.oldestPendingMs = Number(oldest!.oldest);
  }
  return c;
}

/** The latest failed and pending messages, for the staff page. */
export async function recent(db: CalendarDb, state: "pending" | "failed", count: number): Promise<Row[]> {
  return db.all(
    "SELECT uid, kind, seq, channel, patient, doctor, start_ms, due_ms, attempts, last_error FROM outbox " +
      "WHERE state = ? ORDER BY due_ms LIMIT ?",
    [state, count],
  );
}

/**
 * Whether a reminder is still its appointment's: the appointment's row at its time carries its uid and
 * sequence (a cancellation deleted the row, a move raised the sequence on the row at the new time).
 */
export async function reminderCurrent(db: CalendarDb, m: OutboxMessage): Promise<boolean> {
  const sql = "SELECT 1 AS current FROM appointments WHERE doctor = ? AND start_ms = ? AND uid = ? AND seq = ?";
  return (await db.all(sql, [m.doctor, m.startMs, m.uid, m.seq])).length > 0;
}

export async function doctorName(db: CalendarDb, doctor: number): Promise<string> {
  const rows = await db.all("SELECT name FROM calendar_doctors WHERE id = ?", [doctor]);
  return rows[0] ? String(rows[0].name) : `doctor ${doctor}`;
}

/**
 * Each appointment's uid and sequence as its latest confirmation has them (kept on its row, where the
 * committers read them for a move), or the derived uid and 0 for one booked while the outbox was off.
 */
export async function appointmentIds(db: CalendarDb, slots: readonly Omit<Slot, "minutes">[]): Promise<Prior[]> {
  // One read of each patient's appointments (the patient's index), not one per appointment.
  const stored = new Map<string, Row>();
  for (const patient of new Set(slots.map((s) => s.patient)))
    for (const row of await db.all(patient_ids_sql, [patient]))
      stored.set(`${row.doctor} ${row.start_ms} ${patient}`, row);
  return slots.map(
    (s) => priorOf(stored.get(`${s.doctor} ${s.startMs} ${s.patient}`)) ?? { uid: derivedUid(s), seq: 0 },
  );
}

const patient_ids_sql = "SELECT doctor, start_ms, uid, seq FROM appointments WHERE patient = ?";

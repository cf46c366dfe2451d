// What a booking, a move or a cancellation puts in the outbox: pure, so SQLite's and PostgreSQL's
// committers write the same rows in the change's own transaction. A message's key is (appointment
// uid, kind, sequence, channel): the uid is made at booking and kept across moves, the sequence is
// raised by each move and by the cancellation (iCalendar's SEQUENCE), one row per channel.
import { reminderDue, type OutboxKind, type Quiet } from "./when.ts";

export type Channel = "email" | "webhook";

/** What the committers need to plan messages; no channels: the outbox is off. */
export type OutboxPolicy = { zone: string; reminderMinutes: number; quiet: Quiet; channels: readonly Channel[] };

export type Slot = { doctor: number; startMs: number; minutes: number; patient: string };

/** `oldStartMs`: a "moved" message's, the start the move left (outbox.old_start_ms, when.ts decide). */
export type OutboxRow = Slot & {
  uid: string;
  kind: OutboxKind;
  seq: number;
  channel: Channel;
  dueMs: number;
  oldStartMs?: number;
};

/** The appointment's uid and sequence as its last message had them. */
export type Prior = { uid: string; seq: number };

export function newUid(): string {
  return `${crypto.randomUUID()}@healthcenter`;
}

/**
 * The uid of an appointment that has no message (booked while the outbox was off): derived from its
 * slot and patient, so `patient --ics` and a later move's or cancellation's message name it alike.
 * A booking made with the outbox on gets a random uid instead (newUid): the same patient booking the
 * same slot again after cancelling is a new event, not the cancelled one coming back.
 */
export function derivedUid(s: Pick<Slot, "doctor" | "startMs" | "patient">): string {
  const hash = new Bun.CryptoHasher("sha256").update(`${s.doctor} ${s.startMs} ${s.patient}`).digest("hex");
  return `${hash.slice(0, 32)}@healthcenter`;
}

/**
 * The appointment's row keeps the uid and sequence of its latest message (appointments.uid, .seq; '' and
 * 0 when it has none), so a move or a cancellation finds them in the row it already reads, and no index
 * of the outbox by slot is written by every booking (docs/PERFORMANCE.md). `stored`: the row's pair.
 */
export function priorOf(stored: { uid?: unknown; seq?: unknown } | undefined): Prior | undefined {
  return stored?.uid ? { uid: String(stored.uid), seq: Number(stored.seq) } : undefined;
}

/** What a moved appointment's row carries: the move's uid and sequence, or with the outbox off its own. */
export function movedRowIds(outbox: boolean, from: Slot, prior: Prior | undefined): Prior {
  return outbox ? movedIds(from, prior) : (prior ?? { uid: "", seq: 0 });
}

/** The uid and sequence a move's messages (and the moved appointment's row) carry. */
export function movedIds(from: Slot, prior: Prior | undefined): Prior {
  return { uid: prior?.uid ?? derivedUid(from), seq: (prior?.seq ?? 0) + 1 };
}

/**
 * What a change's audit record carries for its messages (audit/change-records.ts, under "event"): the
 * calendar event's uid and sequence as the messages will have them, and the appointment's length. A
 * committer with the outbox on writes it in the change's transaction; the follower turns it into rows.
 */
export type CalendarEvent = { uid: string; seq: number; minutes: number };

export type EventKind = "booked" | "moved" | "cancelled";

/** The event of a cancellation: the appointment's uid, the sequence raised (iCalendar's SEQUENCE). */
export function cancelledEvent(s: Slot, prior: Prior | undefined): CalendarEvent {
  return { uid: prior?.uid ?? derivedUid(s), seq: prior ? prior.seq + 1 : 1, minutes: s.minutes };
}

/**
 * The messages of one change, planned at `atMs` (the change's own time): the confirmation (or the
 * cancellation) at once, and the reminder when it is still ahead. A move or a cancellation also
 * withdraws the appointment's pending reminder (`withdraw`: its uid). `oldStartMs`: a move's old start,
 * kept on its "moved" message, which quiet hours must not hold while the patient may set out for it.
 */
export function planEvent(
  kind: EventKind,
  s: Slot,
  e: CalendarEvent,
  p: OutboxPolicy,
  atMs: number,
  oldStartMs?: number,
) {
  const old = kind === "moved" && oldStartMs !== undefined ? { oldStartMs } : {};
  const rowsNow = rows(s, p, e.uid, kind, e.seq, atMs).map((r) => ({ ...r, ...old }));
  return {
    withdraw: kind === "booked" ? undefined : e.uid,
    rows: kind === "cancelled" ? rowsNow : [...rowsNow, ...reminder(s, p, e.uid, e.seq, atMs)],
  };
}

function reminder(s: Slot, p: OutboxPolicy, uid: string, seq: number, now: number): OutboxRow[] {
  const due = reminderDue(s.startMs, p.zone, p.reminderMinutes, p.quiet);
  return due > now && due < s.startMs ? rows(s, p, uid, "reminder", seq, due) : [];
}

function rows(s: Slot, p: OutboxPolicy, uid: string, kind: OutboxKind, seq: number, dueMs: number): OutboxRow[] {
  return p.channels.map((channel) => ({ ...s, uid, kind, seq, channel, dueMs }));
}

/**
 * Copies each appointment's uid and sequence from its latest confirmation, for a database whose outbox
 * predates appointments.uid (run once, when the column is added, while outbox_by_slot is still there).
 */
export const copy_uids_sql =
  "UPDATE appointments SET uid = COALESCE((SELECT o.uid FROM outbox o WHERE o.doctor = appointments.doctor " +
  "AND o.start_ms = appointments.start_ms AND o.patient = appointments.patient AND o.kind IN ('booked', 'moved') " +
  "ORDER BY o.id DESC LIMIT 1), ''), seq = COALESCE((SELECT o.seq FROM outbox o WHERE o.doctor = appointments.doctor " +
  "AND o.start_ms = appointments.start_ms AND o.patient = appointments.patient AND o.kind IN ('booked', 'moved') " +
  "ORDER BY o.id DESC LIMIT 1), 0)";

/** Withdraws an appointment's pending reminders (its uid the parameter). */
export const withdraw_sql =
  "UPDATE outbox SET state = 'withdrawn' WHERE uid = ? AND kind = 'reminder' AND state = 'pending'";

/**
 * The outbox table; `id` is the database's own counter (SQLite: INTEGER PRIMARY KEY, PostgreSQL: bigserial).
 * `unique`: the key (uid, kind, seq, channel) checked by an index. PostgreSQL's shipped migration has it;
 * SQLite's table goes without (the uid is random, so it never fires, and the index costs every booking a
 * b-tree page in its commit: docs/PERFORMANCE.md). `bySlot`: the index by (doctor, start) that moves and
 * cancellations used to find an appointment's uid, made by PostgreSQL's first migration and dropped by a
 * later one (the uid is on the appointment's row now); SQLite drops it after copying the uids.
 */
export function outboxTableSql(id: string, int: string, unique = true, bySlot = true): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS outbox (
       id ${id}, uid TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, channel TEXT NOT NULL,
       patient TEXT NOT NULL, doctor INTEGER NOT NULL, start_ms ${int} NOT NULL, minutes INTEGER NOT NULL,
       due_ms ${int} NOT NULL, next_ms ${int} NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
       attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', done_ms ${int}${
         unique ? ",\n       UNIQUE (uid, kind, seq, channel)" : ""
       })`,
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_ms)",
    ...(bySlot ? ["CREATE INDEX IF NOT EXISTS outbox_by_slot ON outbox (doctor, start_ms)"] : []),
  ];
}

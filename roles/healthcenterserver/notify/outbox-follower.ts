// The outbox's follower: turns the audit records of booking changes into outbox rows. A committer with
// the outbox on writes, in the change's own transaction, the change's audit record with the calendar
// event its messages carry (uid, sequence, length: audit/change-records.ts); the follower reads the
// records past its cursor, in order, and in one transaction of its own writes their messages
// (confirmation or cancellation, reminder; a move or a cancellation withdraws the pending reminder) and
// moves the cursor past them (store/audit-follow.ts). So a change and the messages it owes commit
// together, and the rows cost the booking's commit nothing (docs/RELIABILITY.md, docs/PERFORMANCE.md).
import { decodeSlotId } from "../calendar/slot-id.ts";
import { followTrail } from "../store/audit-follow.ts";
import type { CalendarDb, Row, Write } from "../store/calendar-db.ts";
import {
  planEvent,
  type CalendarEvent,
  type EventKind,
  type OutboxPolicy,
  type OutboxRow,
  withdraw_sql,
} from "./outbox-plan.ts";

const kinds: Readonly<Record<string, EventKind>> = {
  "booking.booked": "booked",
  "booking.moved": "moved",
  "booking.cancelled": "cancelled",
};

export type PlannedRow = OutboxRow & { state: "pending" | "withdrawn" };

/** What a run of records asks of the outbox: reminders of earlier runs to withdraw, rows to insert. */
export type FollowPlan = { withdraw: string[]; rows: PlannedRow[]; unreadable: number };

/**
 * The messages of records read in order (pure). A reminder planned in this run and withdrawn later in
 * it is inserted as withdrawn; a withdrawal also applies to the pending reminders already stored.
 */
export function planRecords(records: readonly Row[], policy: OutboxPolicy): FollowPlan {
  const plan: FollowPlan = { withdraw: [], rows: [], unreadable: 0 };
  for (const r of records) {
    const kind = kinds[String(r.action)];
    if (kind === undefined) continue;
    const found = eventOf(r);
    if (found === "unreadable") plan.unreadable++;
    if (found === "unreadable" || found === undefined) continue;
    const { withdraw, rows } = planEvent(kind, found.slot, found.event, policy, Number(r.at_ms), found.oldStartMs);
    if (withdraw !== undefined) {
      plan.withdraw.push(withdraw);
      for (const row of plan.rows)
        if (row.uid === withdraw && row.kind === "reminder" && row.state === "pending") row.state = "withdrawn";
    }
    for (const row of rows) plan.rows.push({ ...row, state: "pending" });
  }
  return plan;
}

/** Whether the follower turns this record into messages: a booking change with its calendar event. */
export function owesMessages(r: { action: string; after: string }): boolean {
  if (kinds[r.action] === undefined) return false;
  try {
    return (JSON.parse(r.after) as { event?: unknown }).event !== undefined;
  } catch {
    return false;
  }
}

/**
 * The record's slot and event, and a move's old start (its "before" slot); undefined for one without an
 * event (the outbox was off); or unreadable.
 */
function eventOf(r: Row) {
  try {
    const after = r.after ? JSON.parse(String(r.after)) : {};
    const before = r.before ? JSON.parse(String(r.before)) : {};
    const e = after.event as CalendarEvent | undefined;
    if (e === undefined) return undefined;
    const index = Number(String(r.subject).replace(/^slot /, ""));
    const patient = String(after.patient ?? before.patient ?? "");
    const ok = typeof e.uid === "string" && e.uid !== "" && Number.isInteger(e.seq) && Number.isInteger(e.minutes);
    if (!ok || !Number.isSafeInteger(index) || patient === "") return "unreadable";
    const { doctorNumber, startMs } = decodeSlotId(index);
    const oldStartMs = Number.isSafeInteger(before.slot) ? decodeSlotId(before.slot).startMs : undefined;
    return { slot: { doctor: doctorNumber, startMs, minutes: e.minutes, patient }, event: e, oldStartMs };
  } catch {
    return "unreadable";
  }
}

export type Followed = { records: number; messages: number; unreadable: number };

/** Rows one INSERT carries (12 parameters each). */
const rows_per_insert = 400;
const columns = "uid, kind, seq, channel, patient, doctor, start_ms, minutes, due_ms, next_ms, state, old_start_ms";

/** Turns up to `max` records past the outbox's cursor into messages, in one transaction (audit-follow.ts). */
export async function followChanges(db: CalendarDb, policy: OutboxPolicy, max: number): Promise<Followed> {
  const done = { records: 0, messages: 0, unreadable: 0 };
  done.records = await followTrail(db, "outbox", max, "seq, at_ms, action, subject, before, after", (records) => {
    const plan = planRecords(records, policy);
    done.messages = plan.rows.length;
    done.unreadable = plan.unreadable;
    return writesOf(plan);
  });
  return done;
}

/** Audit records past the follower's cursor: the changes among them have no messages written yet. */
export async function unfollowed(db: CalendarDb): Promise<number> {
  const [row] = await db.all(
    "SELECT (SELECT max(seq) FROM audit) - seq AS n FROM audit_followers WHERE name = 'outbox'",
  );
  return Math.max(0, Number(row?.n ?? 0));
}

function writesOf(plan: FollowPlan): Write[] {
  // One statement per appointment: with `uid = ?` both planners use the partial index of pending reminders.
  const writes: Write[] = [...new Set(plan.withdraw)].map((uid) => ({ sql: withdraw_sql, params: [uid] }));
  for (let at = 0; at < plan.rows.length; at += rows_per_insert) {
    const chunk = plan.rows.slice(at, at + rows_per_insert);
    const values = chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
    writes.push({
      sql: `INSERT INTO outbox (${columns}) VALUES ${values} ON CONFLICT DO NOTHING`,
      // next_ms starts at due_ms.
      params: chunk.flatMap((r) => [
        ...[r.uid, r.kind, r.seq, r.channel, r.patient, r.doctor, r.startMs, r.minutes],
        ...[r.dueMs, r.dueMs, r.state, r.oldStartMs ?? null],
      ]),
    });
  }
  return writes;
}

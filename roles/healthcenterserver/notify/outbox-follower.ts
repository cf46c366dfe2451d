// The outbox's follower: turns the audit records of booking changes into outbox rows. A committer with
// the outbox on writes, in the change's own transaction, the change's audit record with the calendar
// event its messages carry (uid, sequence, length: audit/change-records.ts); the follower reads the
// records after its cursor, in order, and in one transaction of its own writes their messages
// (confirmation or cancellation, reminder; a move or a cancellation withdraws the pending reminder) and
// moves the cursor past them. So a change and the messages it owes commit together, and the rows cost
// the booking's commit nothing (docs/RELIABILITY.md, docs/PERFORMANCE.md). Records are numbered in
// commit order on both databases (SQLite: one writer; PostgreSQL: an append holds the audit lock until
// its commit), so the cursor never passes a record that commits later.
import { decodeSlotId } from "../calendar/slot-id.ts";
import { SqliteCalendarDb, type CalendarDb, type Row, type Write } from "../store/calendar-db.ts";
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
    const { withdraw, rows } = planEvent(kind, found.slot, found.event, policy, Number(r.at_ms));
    if (withdraw !== undefined) {
      plan.withdraw.push(withdraw);
      for (const row of plan.rows)
        if (row.uid === withdraw && row.kind === "reminder" && row.state === "pending") row.state = "withdrawn";
    }
    for (const row of rows) plan.rows.push({ ...row, state: "pending" });
  }
  return plan;
}

/** The record's slot and event; undefined for one without an event (the outbox was off); or unreadable. */
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
    return { slot: { doctor: doctorNumber, startMs, minutes: e.minutes, patient }, event: e };
  } catch {
    return "unreadable";
  }
}

export type Followed = { records: number; messages: number; unreadable: number };

const none: Followed = { records: 0, messages: 0, unreadable: 0 };

/** Rows one INSERT carries (11 parameters each). */
const rows_per_insert = 400;
const columns = "uid, kind, seq, channel, patient, doctor, start_ms, minutes, due_ms, next_ms, state";

/**
 * Follows up to `max` records past the cursor. On PostgreSQL in one transaction whose first read takes
 * the cursor's row FOR UPDATE SKIP LOCKED: one server follows at a time, the others skip the run. On
 * SQLite (one server a file) the reads go first and the writes in one synchronous transaction that
 * moves the cursor only from where the reads found it: nothing else on the connection (a booking's
 * commit) can run inside it.
 */
export async function followChanges(db: CalendarDb, policy: OutboxPolicy, max: number): Promise<Followed> {
  if (db instanceof SqliteCalendarDb) {
    const run = await readRun(db, "", max, policy);
    if (run === undefined) return none;
    db.writeAtomically(run.writes);
    return run.followed;
  }
  return db.transaction(async (tx) => {
    const run = await readRun(tx, " FOR UPDATE SKIP LOCKED", max, policy);
    if (run === undefined) return none;
    for (const w of run.writes) await tx.run(w.sql, w.params);
    return run.followed;
  });
}

/** The records past the cursor and the writes that turn them into messages; undefined: nothing to do. */
async function readRun(db: CalendarDb, lock: string, max: number, policy: OutboxPolicy) {
  const [cursor] = await db.all(`SELECT seq FROM outbox_cursor${lock}`);
  if (!cursor) return undefined;
  const from = Number(cursor.seq);
  const records = await db.all(
    `SELECT seq, at_ms, action, subject, before, after FROM audit WHERE seq > ? ORDER BY seq LIMIT ${max}`,
    [from],
  );
  if (records.length === 0) return undefined;
  const plan = planRecords(records, policy);
  const to = Number(records.at(-1)!.seq);
  const followed = { records: records.length, messages: plan.rows.length, unreadable: plan.unreadable };
  return { followed, writes: writesOf(plan, from, to) };
}

function writesOf(plan: FollowPlan, from: number, to: number): Write[] {
  const writes: Write[] = [];
  // One statement per appointment: with `uid = ?` both planners use the partial index of pending reminders.
  for (const uid of new Set(plan.withdraw)) writes.push({ sql: withdraw_sql, params: [uid] });
  for (let at = 0; at < plan.rows.length; at += rows_per_insert) {
    const chunk = plan.rows.slice(at, at + rows_per_insert);
    writes.push({
      sql: `INSERT INTO outbox (${columns}) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`,
      params: chunk.flatMap((r) =>
        [r.uid, r.kind, r.seq, r.channel, r.patient, r.doctor, r.startMs, r.minutes].concat([
          r.dueMs,
          r.dueMs,
          r.state,
        ]),
      ),
    });
  }
  writes.push({ sql: "UPDATE outbox_cursor SET seq = ? WHERE seq = ?", params: [to, from], mustChange: true });
  return writes;
}

// Work done from the audit trail after the changes it records have committed, in record order: each
// follower keeps its cursor (the last record it handled) in audit_followers, and moves it in the same
// transaction as its own writes, so a crash repeats nothing and skips nothing. Records are numbered in
// commit order on both databases (SQLite: one writer; PostgreSQL: an append holds the audit lock until
// its commit), so a cursor never passes a record that commits later. The followers: the outbox
// (notify/outbox-follower.ts) and the index of records by subject (audit-records.ts).
import { SqliteCalendarDb, type CalendarDb, type Row, type Write } from "./calendar-db.ts";
import type { FollowerName } from "./audit-follow-tables.ts";

/**
 * Hands up to `max` records past the follower's cursor (`columns` of each, seq first) to `writesOf`,
 * and stores its writes with the cursor moved past them; the number of records handled. On PostgreSQL
 * in one transaction whose first read takes the cursor's row FOR UPDATE SKIP LOCKED: one server follows
 * at a time, the others skip the run. On SQLite (one server a file) the reads go first, and the writes in
 * one synchronous transaction that moves the cursor only from where the reads found it: nothing else on
 * the connection (a booking's commit) can run inside it, as it could between awaits.
 */
export async function followTrail(
  db: CalendarDb,
  name: FollowerName,
  max: number,
  columns: string,
  writesOf: (records: Row[]) => Write[],
): Promise<number> {
  if (db instanceof SqliteCalendarDb) {
    const run = await readRun(db, name, "", max, columns, writesOf);
    if (run) db.writeAtomically(run.writes);
    return run?.records ?? 0;
  }
  return db.transaction(async (tx) => {
    const run = await readRun(tx, name, " FOR UPDATE SKIP LOCKED", max, columns, writesOf);
    for (const w of run?.writes ?? []) await tx.run(w.sql, w.params);
    return run?.records ?? 0;
  });
}

async function readRun(
  db: CalendarDb,
  name: FollowerName,
  lock: string,
  max: number,
  columns: string,
  writesOf: (records: Row[]) => Write[],
) {
  const [cursor] = await db.all(`SELECT seq FROM audit_followers WHERE name = ?${lock}`, [name]);
  if (!cursor) return undefined;
  const from = Number(cursor.seq);
  const records = await db.all(`SELECT ${columns} FROM audit WHERE seq > ? ORDER BY seq LIMIT ${max}`, [from]);
  if (records.length === 0) return undefined;
  const to = Number(records.at(-1)!.seq);
  const cursorMoved = {
    sql: "UPDATE audit_followers SET seq = ? WHERE name = ? AND seq = ?",
    params: [to, name, from],
    mustChange: true,
  };
  return { records: records.length, writes: [...writesOf(records), cursorMoved] };
}

/** Where a follower has reached (the last record it handled); undefined when it has no cursor here. */
export async function followerCursor(db: CalendarDb, name: FollowerName): Promise<number | undefined> {
  const [cursor] = await db.all("SELECT seq FROM audit_followers WHERE name = ?", [name]);
  return cursor ? Number(cursor.seq) : undefined;
}

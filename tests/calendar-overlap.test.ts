// One winner covers overlapping appointments of one doctor, not only equal slots (appointment types
// of different lengths, issue 23): a 30-minute appointment blocks the 15-minute slots it overlaps,
// on SQLite (one writer checks in the transaction) and PostgreSQL (per-doctor advisory lock).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openSync } from "node:fs";
import { join } from "node:path";
import { Log } from "../shared/log.ts";
import { SlotTable } from "../shared/slot-table.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import type { Committer } from "../roles/healthcenterserver/store/appointment-store.ts";
import { openCalendarDb, PgCalendarDb, SqliteCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { doctorNumber } from "../roles/healthcenterserver/store/calendar-records.ts";
import { parseDbTarget, readDbPassword } from "../roles/healthcenterserver/store/db-target.ts";
import { PgCalendarCommitter } from "../roles/healthcenterserver/store/postgres/pg-calendar.ts";
import { SqliteCalendarCommitter } from "../roles/healthcenterserver/store/sqlite/sqlite-calendar-committer.ts";
import { tempDir } from "./helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

const tmp = tempDir();
const found = postgresBin();
let pg: Postgres | undefined;
beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(() => {
  pg?.stop();
  tmp.cleanup();
}, 60_000);

const at = (hhmm: string) => Date.parse(`2031-05-06T${hhmm}:00Z`);
const thirty = slotId(1, at("10:00"));
const lengths = new Map([[thirty, 30]]);
const lengthOf = (id: number) => lengths.get(id) ?? 15;

async function overlapCases(committer: Committer): Promise<void> {
  const book = (index: number, patient: string) => ({ kind: "book" as const, index, patient });
  expect(await committer.commit([book(thirty, "p1")])).toEqual([{ kind: "done" }]);
  // 10:15 lies inside 10:00-10:30; 09:45-10:00 ends as it starts; 10:30 starts as it ends; doc2 is another doctor.
  // Taken by an appointment starting elsewhere: nobody holds 10:15 itself (memory must not make it p1's).
  expect(await committer.commit([book(slotId(1, at("10:15")), "p2")])).toEqual([
    { kind: "taken", holder: "p1", elsewhere: true },
  ]);
  const others = [
    book(slotId(1, at("09:45")), "p2"),
    book(slotId(1, at("10:30")), "p3"),
    book(slotId(2, at("10:15")), "p4"),
  ];
  expect(await committer.commit(others)).toEqual([{ kind: "done" }, { kind: "done" }, { kind: "done" }]);
  // In one batch, the second of two overlapping bookings loses to the first.
  const batch = [book(slotId(1, at("11:00")), "p5"), book(slotId(1, at("11:00")), "p6")];
  expect(await committer.commit(batch)).toEqual([{ kind: "done" }, { kind: "taken", holder: "p5" }]);
}

async function prepare(dbPath: string, password?: string) {
  const db = await openCalendarDb(parseDbTarget(dbPath), password);
  for (const [name, port] of [
    ["doc1", 41000],
    ["doc2", 42000],
  ] as const)
    await doctorNumber(db, name, port);
  return db;
}

test("SQLite: a booked 30-minute appointment blocks the 15-minute slot it overlaps, and only that", async () => {
  const db = (await prepare(join(tmp.dir, "overlap.db"))) as SqliteCalendarDb;
  const committer = new SqliteCalendarCommitter(db.db, lengthOf, { bookingsPerPatient: 0 });
  await overlapCases(committer);
  await committer.close();
});

("bin" in found ? test : test.skip)("PostgreSQL: the same, under the per-doctor advisory lock", async () => {
  pg!.createDatabase("overlap");
  const db = (await prepare(pg!.url("overlap"), readDbPassword(pg!.passwordFile))) as PgCalendarDb;
  const log = new Log({ quiet: true, fd: openSync("/dev/null", "w"), errFd: openSync("/dev/null", "w") });
  const committer = new PgCalendarCommitter(
    db,
    new Schedule(SlotTable.fromSlots([])),
    lengthOf,
    { bookingsPerPatient: 0 },
    log,
  );
  await overlapCases(committer);
  await committer.close();
});

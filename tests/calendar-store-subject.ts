// The calendar's store (store/open-calendar.ts) as a subject of the store conformance suite: a
// database with one rule (doc1, every day, 15-minute slots, in UTC), and the cases' slot numbers
// 1, 2, 3, ... mapped to the ids of doc1's slots from the day after tomorrow, in order (0, -1, ... go
// back in time: -200 started more than an hour ago, whatever the time of day).
import type { Log } from "../shared/log.ts";
import { slotId, decodeSlotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import type { AppointmentStore, Change } from "../roles/healthcenterserver/store/appointment-store.ts";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { bumpVersion, doctorNumber, insertRule } from "../roles/healthcenterserver/store/calendar-records.ts";
import { parseDbTarget, readDbPassword } from "../roles/healthcenterserver/store/db-target.ts";
import { openCalendar } from "../roles/healthcenterserver/store/open-calendar.ts";
import type { StoreSubject } from "./store-cases.ts";

const slot_ms = 15 * 60_000;
const base = Temporal.Now.plainDateISO("UTC").add({ days: 2 }).toZonedDateTime("UTC").epochMilliseconds;
const idOf = (n: number) => slotId(1, base + (n - 1) * slot_ms);
const numberOf = (id: number) => (decodeSlotId(id).startMs - base) / slot_ms + 1;

/** "slot 3" as the store's subject: the slot's id. */
const subjectId = (subject: string) => subject.replace(/^slot (-?\d+)$/, (_, n: string) => `slot ${idOf(Number(n))}`);

function mapped(c: Change): Change {
  return c.kind === "move" ? { ...c, from: idOf(c.from), to: idOf(c.to) } : { ...c, index: idOf(c.index) };
}

/** The store with the cases' numbers in and out. */
function translated(store: AppointmentStore): AppointmentStore {
  return {
    shown: store.shown,
    problem: () => store.problem(),
    close: () => store.close(),
    commit: (batch) => store.commit(batch.map(mapped)),
    load: (into) => store.load({ reserve: (id, patient) => into.reserve(numberOf(id), patient) }),
    mark: (m) => store.mark!({ ...m, index: idOf(m.index) }),
    auditOfSubjects: (subjects, limit) => store.auditOfSubjects!(subjects.map(subjectId), limit),
    visits: async (from, to, limit, patient) =>
      (await store.visits!(from, to, limit, patient)).map((v) => ({ ...v, slot: numberOf(v.slot) })),
  };
}

export function calendarSubject(
  name: string,
  database: () => { dbPath: string; dbPasswordFile: string | undefined },
  log: Log,
): StoreSubject {
  return {
    name,
    calendar: true,
    async fresh({ bookingsPerPatient, policy, noShowLimit }) {
      const { dbPath, dbPasswordFile } = database();
      const db = await openCalendarDb(parseDbTarget(dbPath), readDbPassword(dbPasswordFile));
      const rule = { weekdays: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:45", minutes: 15, everyWeeks: 1 };
      const doctor = (await doctorNumber(db, "doc1", 41000))!;
      await insertRule(db, doctor, { ...rule, nthOfMonth: [], validFrom: null, validUntil: null });
      await bumpVersion(db);
      await db.close();
      const settings = {
        ...{ dbPath, dbPasswordFile, dbWaitMs: 0, bookingsPerPatient, timeZone: "UTC", horizonWeeks: 1 },
        policy,
        noShowLimit,
      };
      const open = async () => translated((await openCalendar(settings, log))!.store);
      return { store: await open(), reopen: open, startOf: (n: number) => decodeSlotId(idOf(n)).startMs };
    },
  };
}

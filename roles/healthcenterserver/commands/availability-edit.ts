// What an edit of availability does to the dated slots: the slots the horizon offers before and
// after it, and the booked appointments it would leave outside availability. An edit runs inside one
// transaction; a refusal or a dry run rolls it back, so nothing changes.
import { appendAuditRecords } from "../store/audit-records.ts";
import type { ChangeWho } from "../store/appointment-store.ts";
import { UsageError } from "../../../shared/errors.ts";
import { localParts } from "../calendar/display.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import {
  appointmentsFrom,
  type Appointment,
  bumpVersion,
  loadCalendar,
  no_calendar_note,
  offersSlots,
  type CalendarData,
} from "../store/calendar-records.ts";
import { recordZone } from "../store/calendar-zone.ts";
import { offeredIds, offeredOnBookedDates, onItsSlot } from "./offered-slots.ts";
import { lockRulesForEdit } from "../store/postgres/pg-doctor-locks.ts";

export type EditContext = {
  zone: string;
  /** The zone was given (--time-zone, [clinic] time_zone): the edit records it with the rules if none is. */
  zoneExplicit?: boolean;
  weeks: number;
  dryRun: boolean;
  keepBooked: boolean;
  now: number;
  /** Who asked (the command line): the edit's audit record is written in its transaction. */
  who?: ChangeWho;
  /** The edit is `availability import`, which carries the weekday file's bookings over. */
  carriesClassic?: boolean;
};
export type EditReport = { lines: string[] };

/** Thrown inside the transaction to roll a dry run back, carrying what it would have said. */
class DryRun extends Error {
  constructor(readonly lines: string[]) {
    super("dry run");
  }
}

/**
 * Runs `change` in a transaction, then compares: refuses (rolls back) when booked appointments would
 * lose their slot and `keepBooked` is not given; rolls back a dry run; else bumps the version.
 */
export async function applyEdit(
  db: CalendarDb,
  ctx: EditContext,
  what: string,
  change: (tx: CalendarDb) => Promise<void>,
): Promise<EditReport> {
  try {
    return await db.transaction(async (tx) => {
      // PostgreSQL: no booking commits between this check and the edit's commit (pg-doctor-locks.ts).
      if (tx.kind === "postgres") await lockRulesForEdit(tx);
      const booked = await appointmentsFrom(tx, ctx.now);
      const before = await loadCalendar(tx);
      const offeredBefore = offeredIds(before, ctx.zone, ctx.weeks, ctx.now);
      const laterBefore = offeredOnBookedDates(before, ctx.zone, ctx.weeks, ctx.now, booked);
      await change(tx);
      const after = await loadCalendar(tx);
      const offeredAfter = offeredIds(after, ctx.zone, ctx.weeks, ctx.now);
      const laterAfter = offeredOnBookedDates(after, ctx.zone, ctx.weeks, ctx.now, booked);
      const wasOffered = (a: Appointment) => onItsSlot(a, before, offeredBefore, laterBefore);
      const isOffered = (a: Appointment) => onItsSlot(a, after, offeredAfter, laterAfter);
      const stranded = strandedBy(after, booked, wasOffered, isOffered, ctx);
      const added = [...offeredAfter.keys()].filter((id) => !offeredBefore.has(id)).length;
      const removed = [...offeredBefore.keys()].filter((id) => !offeredAfter.has(id)).length;
      const lines = [`${what}: +${added} and -${removed} slots in the next ${ctx.weeks} weeks`];
      if (!offersSlots(after)) lines.push(no_calendar_note);
      // A database that never numbered a doctor was never a calendar: its classic rows are live, not carried ones.
      const first = offersSlots(after) && before.doctors.length === 0 && !ctx.carriesClassic;
      const dropped = first && (await classicDropped(tx));
      if (dropped && !ctx.dryRun) throw new UsageError(`refused: ${dropped}`, { hint: false });
      if (dropped) lines.push(`would be refused: ${dropped}`);
      if (stranded.length > 0 && !ctx.keepBooked && !ctx.dryRun)
        throw new UsageError(
          `refused: ${stranded.length} booked appointment(s) would be outside availability: ${stranded.join("; ")} ` +
            "(cancel them first, or give --keep-booked to keep them, listed to staff as outside availability)",
          { hint: false },
        );
      if (stranded.length > 0)
        lines.push(
          `${stranded.length} booked appointment(s) ${ctx.dryRun ? "would be" : "are now"} outside availability:`,
          ...stranded.map((s) => `  ${s}`),
        );
      if (ctx.dryRun) throw new DryRun([`dry run, nothing changed: ${lines[0]}`, ...lines.slice(1)]);
      await bumpVersion(tx);
      if (ctx.zoneExplicit) await recordZone(tx, ctx.zone);
      if (ctx.who) {
        const { reason, ...who } = ctx.who;
        const record = { atMs: ctx.now, ...who, action: "availability.changed", subject: what, reason };
        await appendAuditRecords(tx, [
          { ...record, before: `${offeredBefore.size} slots offered`, after: lines.join("\n") },
        ]);
      }
      return { lines };
    });
  } catch (err) {
    if (err instanceof DryRun) return { lines: err.lines };
    throw err;
  }
}

/**
 * The first rule or opening makes the servers run on the calendar, which does not read the weekday file's
 * bookings: those would be gone without a word (before: they were). The import carries them; why else, undefined.
 */
async function classicDropped(tx: CalendarDb): Promise<string | undefined> {
  const n = Number((await tx.all("SELECT count(*) AS n FROM bookings"))[0]?.n ?? 0);
  if (n === 0) return undefined;
  return (
    `this database holds ${n} booking(s) made on the weekday file (availabilities.txt), which servers on a ` +
    "calendar do not read: move over with `availability import availabilities.txt --from DATE` (it makes the " +
    "rules and carries the bookings), or cancel them first"
  );
}

/** "patient1 Tue 2026-12-08 13:00 doc1" for each booked appointment that loses its slot. */
function strandedBy(
  data: CalendarData,
  booked: readonly Appointment[],
  before: (a: Appointment) => boolean,
  after: (a: Appointment) => boolean,
  ctx: EditContext,
): string[] {
  const names = new Map(data.doctors.map((d) => [d.number, d.name]));
  return booked
    .filter((a) => before(a) && !after(a))
    .map((a) => {
      const l = localParts(a.startMs, ctx.zone);
      return `${a.patient} ${l.weekday} ${l.date} ${l.time} ${names.get(a.doctorNumber) ?? "?"}`;
    });
}

// A database with availability rules or openings makes the server run on a calendar: the schedule is
// the dated slots of the rules and openings for the horizon, bookings are appointments (doctor, start,
// length), and a keeper follows changes of the rules. Without either: undefined, and the server runs
// on availabilities.txt exactly as before.
import { auditOfSubjects, indexSubjects } from "./audit-records.ts";
import type { AuditContent, AuditRecord } from "../audit/chain.ts";
import type { Log } from "../../../shared/log.ts";
import { SlotTable } from "../../../shared/slot-table.ts";
import { CalendarKeeper } from "../booking/calendar-keeper.ts";
import { Schedule } from "../booking/schedule.ts";
import { slotId } from "../calendar/slot-id.ts";
import type {
  AppointmentStore,
  BookingSink,
  Change,
  Committer,
  Loaded,
  Mark,
  MarkResult,
  Visit,
} from "./appointment-store.ts";
import { visitsBetween } from "./visit-records.ts";
import { SqliteCalendarDb, type CalendarDb, type PgCalendarDb } from "./calendar-db.ts";
import { appointmentsFrom, calendarVersion, isCalendar, loadCalendar } from "./calendar-records.ts";
import { parseDbTarget, readDbPassword } from "./db-target.ts";
import type { StoreSettings } from "./open-store.ts";
import { SqliteCalendarCommitter } from "./sqlite/sqlite-calendar-committer.ts";
import { claimDatabaseFile, FileIdentity } from "./sqlite/sqlite-file.ts";
import { GuardedCommitter } from "./sqlite/sqlite-guard.ts";
import { restoreAtPath } from "./sqlite/sqlite-restore.ts";
import type { Database } from "bun:sqlite";
import { prepareCalendarTables } from "./sqlite/sqlite-calendar-schema.ts";
import { checkZone, storedZone, watchingZone } from "./calendar-zone.ts";
import type { OutboxPolicy } from "../notify/outbox-plan.ts";
import type { ClinicPolicy } from "../calendar/policy.ts";

/**
 * `outbox`: each change writes its messages in its transaction (notify/); undefined: off. `policy`: the
 * clinic's rules, checked in each change's transaction; undefined: none.
 */
export type CalendarSettings = StoreSettings & {
  timeZone: string;
  /** Where the zone came from, for the refusal when the rules are in another: "--time-zone", ... */
  timeZoneGiven?: string;
  horizonWeeks: number;
  outbox?: OutboxPolicy;
  policy?: ClinicPolicy;
  /** A patient with this many no-shows in 6 months may not book online (0 or none: no limit). */
  noShowLimit?: number;
};
export type OpenedCalendar = {
  schedule: Schedule;
  store: AppointmentStore;
  restored: number;
  keeper: CalendarKeeper;
  /** The calendar's database, for the outbox's sender (closed with the store). */
  db: CalendarDb;
};

/** PostgreSQL's also follows other servers' bookings. */
type FollowingCommitter = Committer & {
  listen?(isPending: (index: number) => boolean): Promise<void>;
  appendAudit?(content: AuditContent): Promise<void>;
  mark(m: Mark): Promise<MarkResult>;
  problem?(): string | undefined;
  checkNow?(): Promise<string | undefined>;
};

/** The bookings of a calendar, as the Booker and the entry see any store. */
class CalendarStore implements AppointmentStore {
  constructor(
    readonly shown: string,
    private readonly db: SqliteCalendarDb | PgCalendarDb,
    private readonly committer: FollowingCommitter,
    private readonly keeper: CalendarKeeper,
  ) {}

  /** Marks every stored appointment not yet over taken (the keeper has put their slots in the schedule). */
  async load(into: BookingSink): Promise<Loaded> {
    let restored = 0;
    let unknown = 0;
    for (const a of await appointmentsFrom(this.db, Date.now())) {
      const span = { type: a.type ?? "", minutes: a.minutes, before: a.before ?? 0, after: a.after ?? 0 };
      if (into.reserve(slotId(a.doctorNumber, a.startMs), a.patient, span)) restored++;
      else unknown++;
    }
    return { restored, unknown };
  }

  commit(batch: readonly Change[]) {
    return this.committer.commit(batch);
  }

  problem(): string | undefined {
    return this.committer.problem?.() ?? this.keeper.rulesProblem;
  }

  /** For /readyz (PostgreSQL: the database and this server's LISTEN asked now), then the rules' last poll. */
  async checkNow(): Promise<string | undefined> {
    const db = this.committer.checkNow ? await this.committer.checkNow() : this.committer.problem?.();
    return db ?? this.keeper.rulesProblem;
  }

  auditOfSubjects(subjects: string[], limit: number): Promise<AuditRecord[]> {
    return auditOfSubjects(this.db, subjects, limit);
  }

  indexAudit(max: number): Promise<number> {
    return indexSubjects(this.db, max);
  }

  async appendAudit(content: AuditContent): Promise<void> {
    await this.committer.appendAudit?.(content);
  }

  mark(m: Mark): Promise<MarkResult> {
    return this.committer.mark(m);
  }

  visits(fromMs: number, toMs: number, limit: number, patient?: string): Promise<Visit[]> {
    return visitsBetween(this.db, fromMs, toMs, limit, patient);
  }

  /** Starts following: rule changes (and, on PostgreSQL, other servers' bookings). */
  async follow(isPending: (index: number) => boolean): Promise<void> {
    this.keeper.isPending = isPending;
    await this.committer.listen?.(isPending);
    this.keeper.start();
  }

  async close(): Promise<void> {
    this.keeper.stop();
    await this.committer.close();
  }
}

/**
 * The zone the rules were written in must be this server's (calendar-zone.ts checkZone); else closed,
 * refused. Then the rules' source, each reload warning when `availability zone` has changed it since.
 */
async function rulesSource(db: SqliteCalendarDb | PgCalendarDb, settings: CalendarSettings, log: Log) {
  try {
    checkZone(await storedZone(db), settings.timeZone, settings.timeZoneGiven ?? "this server's zone");
  } catch (err) {
    await db.close();
    throw err;
  }
  const warn = (text: string) => log.warn(text);
  return {
    load: watchingZone(db, settings.timeZone, warn, () => loadCalendar(db)),
    version: () => calendarVersion(db),
  };
}

export async function openCalendar(settings: CalendarSettings, log: Log): Promise<OpenedCalendar | undefined> {
  const target = parseDbTarget(settings.dbPath);
  let db: SqliteCalendarDb | PgCalendarDb;
  let shown: string;
  if (target.kind === "sqlite") {
    db = SqliteCalendarDb.open(target.path);
    shown = target.path;
  } else {
    const { openPgCalendarDb } = await import("./postgres/pg-calendar.ts");
    db = await openPgCalendarDb(target, readDbPassword(settings.dbPasswordFile), settings.dbWaitMs, log);
    shown = `PostgreSQL at ${target.shown}`;
  }
  if (!(await isCalendar(db))) {
    if (settings.policy)
      log.warn(
        "the clinic's rules ([policy], --min-notice, ...) are set, but there is no calendar: they apply to none",
      );
    await db.close();
    return undefined;
  }
  if (target.kind === "sqlite" && db instanceof SqliteCalendarDb) {
    // A calendar made before the outbox (or the visit's status) existed gets its tables now (idempotent).
    prepareCalendarTables(db.db);
    const shared = claimDatabaseFile(target.path, settings.sharedSqlite ? "allow" : "refuse");
    if (shared) log.warn(shared);
  }
  const source = await rulesSource(db, settings, log);
  const schedule = new Schedule(SlotTable.fromSlots([]));
  const keeper = new CalendarKeeper(
    schedule,
    source,
    settings.timeZone,
    settings.horizonWeeks,
    log,
    await source.load(),
  );
  keeper.initial(await appointmentsFrom(db, Date.now()));
  // A slot's length comes from the schedule; one not in it (a test's bare index) counts as a minute.
  const lengthOf = (index: number) => {
    const p = schedule.position(index);
    return p === undefined ? 1 : schedule.calendar!.minutes[p]!;
  };
  const { bookingsPerPatient, outbox, policy, noShowLimit } = settings;
  const [typeRules, calendarVersion, offers] = [() => keeper.typeRules, () => keeper.version, keeper.offers];
  const options = { bookingsPerPatient, outbox, policy, noShowLimit, typeRules, calendarVersion, offers };
  let committer: FollowingCommitter;
  if (db instanceof SqliteCalendarDb)
    committer = guarded(db, shown, (d) => new SqliteCalendarCommitter(d, lengthOf, options), log);
  else {
    const { PgCalendarCommitter } = await import("./postgres/pg-calendar.ts");
    committer = new PgCalendarCommitter(
      db,
      schedule,
      lengthOf,
      options,
      log,
      target.kind === "postgres" ? target.shown : shown,
    );
  }
  const described = `${shown}, a calendar in ${settings.timeZone} for ${settings.horizonWeeks} weeks`;
  const store = new CalendarStore(described, db, committer, keeper);
  const { restored } = await store.load(schedule);
  return { schedule, store, restored, keeper, db };
}

/**
 * The calendar's SQLite file deleted or replaced under the server is restored at its path from the open
 * connection, as the classic file is (sqlite-restore.ts); the calendar's connection and the committer's
 * statements are then made again on the restored file. Where it cannot be, nothing more is confirmed.
 */
function guarded(db: SqliteCalendarDb, path: string, make: (d: Database) => SqliteCalendarCommitter, log: Log) {
  let inner = make(db.db);
  const restore = () => {
    const done = restoreAtPath(
      path,
      (copy) => db.db.run("VACUUM INTO ?", [copy]),
      () => void inner.close(),
    );
    db.db = SqliteCalendarDb.open(path).db;
    inner = make(db.db);
    claimDatabaseFile(path);
    return done;
  };
  const current: Committer = { commit: (batch) => inner.commit(batch), close: () => inner.close() };
  const guard = new GuardedCommitter(current, FileIdentity.opened(path), log, restore);
  const following: FollowingCommitter = {
    commit: (batch) => guard.commit(batch),
    close: () => guard.close(),
    appendAudit: (content) => inner.appendAudit(content),
    mark: (m) => inner.mark(m),
  };
  return following;
}

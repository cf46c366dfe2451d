// Opens the booking database `--db` names: the SQLite file (default), or PostgreSQL for a
// postgres:// URL (loaded only then), and restores every stored booking into the schedule.
import { DataError } from "../../../shared/errors.ts";
import type { Log } from "../../../shared/log.ts";
import type { Schedule } from "../booking/schedule.ts";
import { parseDbTarget, readDbPassword } from "./db-target.ts";
import { InProcessCommitter, type Committer } from "./sqlite/committer.ts";
import { checkDatabasePath, claimDatabaseFile, FileIdentity } from "./sqlite/sqlite-file.ts";
import { GuardedCommitter } from "./sqlite/sqlite-guard.ts";
import { RestorableStore } from "./sqlite/sqlite-restore.ts";
import { DatabaseProblem } from "./sqlite/sqlite-schema.ts";
import { BookingStore } from "./sqlite/store.ts";

export type StoreSettings = {
  dbPath: string;
  dbPasswordFile: string | undefined;
  dbWaitMs: number;
  bookingsPerPatient: number;
};

export type OpenedBookings = {
  committer: Committer;
  restored: number;
  shownDb: string;
  /** Called once the Booker exists, before serving: a shared database starts following other instances. */
  attach: (isPending: (index: number) => boolean) => Promise<void>;
  /** For /readyz, where the staff page cannot probe the database itself: why it is not usable now. */
  problem?: () => string | undefined;
};

/** The SQLite file (default), or PostgreSQL for a postgres:// URL. */
export async function openBookings(settings: StoreSettings, schedule: Schedule, log: Log): Promise<OpenedBookings> {
  const target = parseDbTarget(settings.dbPath);
  if (target.kind === "sqlite") {
    const store = openStore(target.path, settings.bookingsPerPatient);
    const shared = claimDatabaseFile(target.path);
    if (shared) log.warn(shared);
    const restored = restoreBookings(store, schedule, target.path, log);
    const file = new RestorableStore(store, target.path, () => openStore(target.path, settings.bookingsPerPatient));
    const restore = () => file.restore();
    const committer = new GuardedCommitter(new InProcessCommitter(file), FileIdentity.of(target.path), log, restore);
    return { committer, restored, shownDb: target.path, attach: async () => {} };
  }
  const { openPostgres } = await import("./postgres/pg-bookings.ts");
  const pg = await openPostgres(
    target,
    readDbPassword(settings.dbPasswordFile),
    settings.dbWaitMs,
    schedule,
    log,
    settings.bookingsPerPatient,
  );
  const attach = async (isPending: (index: number) => boolean) => {
    pg.mirror.attach(isPending);
    await pg.mirror.listen();
  };
  return {
    committer: pg.committer,
    restored: pg.restored,
    shownDb: `PostgreSQL at ${target.shown}`,
    attach,
    problem: () => pg.mirror.problem(),
  };
}

/** Marks every stored booking taken in the schedule; returns how many were restored. */
function restoreBookings(store: BookingStore, schedule: Schedule, dbPath: string, log: Log): number {
  let restored = 0;
  store.forEachBooking((index, patient) => {
    if (schedule.reserve(index, patient)) restored++;
    else log.warn(`${dbPath} has a booking for slot ${index}, which is not in the schedule; left as it is`);
  });
  return restored;
}

/** Opens (creating if need be) and checks the database; a file that is not one is a bad data file. */
function openStore(path: string, bookingsPerPatient: number): BookingStore {
  try {
    checkDatabasePath(path);
    return new BookingStore(path, { bookingsPerPatient });
  } catch (err) {
    if (err instanceof DatabaseProblem) throw new DataError(path, undefined, `${err.message}`);
    throw new DataError(path, undefined, `cannot be used as the booking database (${(err as Error).message})`);
  }
}

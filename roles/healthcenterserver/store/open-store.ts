// Opens the booking store `--db` names: the SQLite file (default), or PostgreSQL for a postgres://
// URL (its code loaded only then), and restores every stored booking into the schedule. Both stores
// go the same way from here: AppointmentStore (appointment-store.ts).
import type { Log } from "../../../shared/log.ts";
import type { Schedule } from "../booking/schedule.ts";
import type { AppointmentStore } from "./appointment-store.ts";
import { parseDbTarget, readDbPassword } from "./db-target.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

export type StoreSettings = {
  dbPath: string;
  dbPasswordFile: string | undefined;
  dbWaitMs: number;
  bookingsPerPatient: number;
  sharedSqlite?: boolean;
};

/** The store, opened; nothing is loaded yet. A shared store keeps `schedule` current with other servers. */
export async function openStore(settings: StoreSettings, schedule: Schedule, log: Log): Promise<AppointmentStore> {
  const target = parseDbTarget(settings.dbPath);
  const options = { bookingsPerPatient: settings.bookingsPerPatient, sharedSqlite: settings.sharedSqlite };
  if (target.kind === "sqlite") return SqliteStore.open(target.path, options, log);
  const { openPostgres } = await import("./postgres/pg-bookings.ts");
  const password = readDbPassword(settings.dbPasswordFile);
  return openPostgres(target, password, settings.dbWaitMs, schedule, log, settings.bookingsPerPatient);
}

/** Opens the store and marks every stored booking taken in the schedule; says how many it restored. */
export async function openAndRestore(
  settings: StoreSettings,
  schedule: Schedule,
  log: Log,
): Promise<{ store: AppointmentStore; restored: number }> {
  const store = await openStore(settings, schedule, log);
  try {
    const { restored, unknown } = await store.load(schedule);
    if (unknown > 0)
      log.warn(`${store.shown} has ${unknown} bookings for slots not in this server's schedule; left as they are`);
    return { store, restored };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

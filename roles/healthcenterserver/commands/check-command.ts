// `healthcenterserver check`: reads and checks everything start-up would (flags, the deployment
// file, data files, the staff token, TLS files, the database's path and file) and starts nothing:
// no listener, no write to the database. A problem is the same error start-up would give (exit 2).
import { checkZone } from "../store/calendar-zone.ts";
import { readStaffFile } from "../staff/staff-file.ts";
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { describeDataDir, type DataDir } from "../../../shared/datadir.ts";
import { DataError, UsageError } from "../../../shared/errors.ts";
import { checkTypePolicy, type ClinicPolicy, type PolicyRule } from "../calendar/policy.ts";
import { checkListenHost } from "../../../shared/endpoints.ts";
import { parseDbTarget } from "../store/db-target.ts";
import type { DoctorLocation } from "../../../shared/endpoints.ts";
import { loadData } from "../cli/server-data.ts";
import type { SlotTable } from "../../../shared/slot-table.ts";
import { readGuardTimings } from "../cli/guard-settings.ts";
import { checkDatabasePath } from "../store/sqlite/sqlite-file.ts";
import { DatabaseProblem, inspectSchema } from "../store/sqlite/sqlite-schema.ts";

export type CheckedSettings = {
  data: DataDir;
  doctors: Map<string, DoctorLocation>;
  host: string;
  port: number;
  dbPath: string;
  dbDisagreement?: string;
  http: { host: string; port: number } | undefined;
  staffToken: string | undefined;
  tls: unknown;
  timeZone: string;
  timeZoneGiven: string;
  horizonWeeks: number;
  policy: ClinicPolicy | undefined;
};

/** Prints what was checked, one line each; throws the first problem. */
export async function runCheck(
  settings: CheckedSettings,
  flags: Parameters<typeof readGuardTimings>[0],
): Promise<number> {
  await checkListenHost("--host", settings.host);
  readGuardTimings(flags);
  const { users, slots } = loadData(settings.data, settings.doctors);
  console.log(
    `ok: data in ${describeDataDir(settings.data)}: ${users.length} users, ${slots.length} slots, ` +
      `doctors ${[...new Set(slots.map((s) => s.doctor))].join(", ")}`,
  );
  if (users.length === 0) {
    console.error(
      `warning: users.txt in ${describeDataDir(settings.data)} has no users, so no patient could log in; ` +
        "add one with `healthcenterserver users add <name> --data DIR`",
    );
  }
  console.log(
    `ok: would listen on ${settings.host}:${settings.port}` +
      (settings.tls ? " with TLS (certificate and key read)" : ""),
  );
  checkDoctors(settings.doctors, slots);
  if (settings.dbDisagreement) console.error(`warning: ${settings.dbDisagreement}`);
  console.log(`ok: ${checkDatabase(settings.dbPath, new Set(slots.map((s) => s.index)))}`);
  const calendar = checkCalendar(settings);
  if (calendar) console.log(`ok: ${calendar}`);
  if (settings.http) {
    const accounts = readStaffFile(settings.data).length;
    const who = [
      ...(accounts > 0 ? [`${accounts} staff accounts sign in`] : []),
      ...(settings.staffToken ? ["the token signs in read-only"] : []),
    ];
    const shown = who.length > 0 ? who.join(", ") : "free/booked only (no staff.txt, no --staff-token-file)";
    console.log(`ok: staff page on ${settings.http.host}:${settings.http.port}, ${shown}`);
  } else {
    console.log("ok: staff page off (no --http)");
  }
  return 0;
}

/**
 * Where patients are sent for each doctor. Once the deployment file (or --doctor) places some
 * doctor on a host, one it does not place would send patients to their own 127.0.0.1: a warning.
 */
function checkDoctors(doctors: Map<string, DoctorLocation>, slots: SlotTable): void {
  const placed = [...doctors.values()].some((d) => d.host !== undefined);
  const ports = new Map<string, number>();
  slots.forEach((s) => ports.has(s.doctor) || ports.set(s.doctor, s.port));
  for (const [name, slotPort] of ports) {
    const where = doctors.get(name);
    const port = where?.port ?? slotPort;
    if (where?.host !== undefined) console.log(`ok: patients reach ${name} at ${where.host}:${port}`);
    else if (placed)
      console.error(
        `warning: ${name} has no [doctors.${name}] host in the deployment file (nor --doctor ${name}=HOST:PORT), ` +
          `so patients are sent to 127.0.0.1:${port}, their own machine`,
      );
  }
}

/** What the database would be at start-up, read only. */
function checkDatabase(dbPath: string, slotIndexes: Set<number>): string {
  const target = parseDbTarget(dbPath);
  if (target.kind === "postgres") return `database: PostgreSQL at ${target.shown} (not contacted by check)`;
  const path = target.path;
  try {
    checkDatabasePath(path);
  } catch (err) {
    throw new DataError(path, undefined, (err as Error).message);
  }
  if (!existsSync(path)) return `database ${path} does not exist yet; start-up creates it`;
  let db: Database | undefined;
  try {
    db = new Database(path, { readonly: true });
    // The same checks as start-up, so a file check accepts is one start-up accepts.
    const { version, hasTable } = inspectSchema(db);
    if (!hasTable) return `database ${path} has no bookings yet (schema version ${version})`;
    const rows = db.query("SELECT slot FROM bookings").all() as { slot: number }[];
    const stray = rows.filter((r) => !slotIndexes.has(r.slot)).length;
    return (
      `database ${path}: ${rows.length} bookings, schema version ${version}` +
      (stray > 0 ? `; ${stray} of them for slots not in the schedule (kept, not shown)` : "")
    );
  } catch (err) {
    if (err instanceof DatabaseProblem) throw new DataError(path, undefined, err.message);
    throw new DataError(path, undefined, `cannot be used as the booking database (${(err as Error).message})`);
  } finally {
    db?.close();
  }
}

/**
 * A SQLite database with availability rules or openings makes the server run on a calendar (the data files'
 * slots are then not used): what it holds, read only. PostgreSQL is not contacted by check.
 */
function checkCalendar(settings: CheckedSettings): string | undefined {
  const target = parseDbTarget(settings.dbPath);
  if (target.kind !== "sqlite" || !existsSync(target.path)) return undefined;
  const db = new Database(target.path, { readonly: true });
  try {
    const count = (sql: string, ...params: number[]) => (db.query(sql).get(...params) as { n: number }).n;
    if (count("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'calendar_rules'") === 0)
      return undefined;
    const rules = count("SELECT count(*) AS n FROM calendar_rules");
    // Openings alone make a calendar too (calendar-records.ts isCalendar).
    if (rules + count("SELECT count(*) AS n FROM calendar_exceptions WHERE kind = 'open'") === 0) return undefined;
    // An older file has no zone column (start-up adds it): nothing recorded to check then.
    const zone = (db.query("SELECT * FROM calendar_state").get() as { zone?: string | null } | null)?.zone;
    checkZone(zone ?? undefined, settings.timeZone, settings.timeZoneGiven);
    warnTypesBeyondHorizon(db, settings);
    const exceptions = count("SELECT count(*) AS n FROM calendar_exceptions");
    const booked = count("SELECT count(*) AS n FROM appointments WHERE start_ms + minutes * 60000 > ?", Date.now());
    return (
      `calendar in ${target.path}: ${rules} rule(s), ${exceptions} exception(s), ${booked} appointment(s) to come; ` +
      `slots for ${settings.horizonWeeks} weeks in ${settings.timeZone} (the data files' slots are not used)`
    );
  } finally {
    db.close();
  }
}

/**
 * A type whose own rules do not fit the horizon (`types add` refuses one now; an older edit, or a
 * server run with a shorter --horizon-weeks than the edit's, may have left it): never bookable or cancellable.
 */
function warnTypesBeyondHorizon(db: Database, settings: CheckedSettings): void {
  const columns = db.query("SELECT name FROM pragma_table_info('calendar_types')").all() as { name: string }[];
  if (!columns.some((c) => c.name === "max_ahead")) return;
  const rows = db.query("SELECT name, min_notice, max_ahead, cancel_cutoff FROM calendar_types ORDER BY name");
  for (const r of rows.all() as Record<string, string | number | null>[]) {
    const own = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));
    const type = {
      name: String(r.name),
      minNotice: own(r.min_notice),
      maxAhead: own(r.max_ahead),
      cancelCutoff: own(r.cancel_cutoff),
    };
    const mine = { min_notice: type.minNotice, max_ahead: type.maxAhead, cancel_cutoff: type.cancelCutoff };
    const words = (rule: PolicyRule) => rule.replace("_", " ");
    try {
      checkTypePolicy(settings.policy, type, settings.horizonWeeks, (rule) =>
        mine[rule] !== null ? words(rule) : `the clinic's ${words(rule)}`,
      );
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`warning: ${err.message} (change it with types add ${type.name} ...)`);
    }
  }
}

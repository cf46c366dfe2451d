// The zone the calendar's rules were written in (calendar_state.zone): read, checked against a server's
// or an edit's zone, and recorded by the first edit given one (`availability zone` changes it).
import { UsageError } from "../../../shared/errors.ts";
import { parseZone } from "../calendar/zone.ts";
import type { CalendarDb } from "./calendar-db.ts";

/**
 * The zone the rules were written in, or undefined where none was recorded (a database from before
 * calendar_state.zone, or one a check reads without it). A rule's times are wall-clock times there only.
 */
export async function storedZone(db: CalendarDb): Promise<string | undefined> {
  const rows = await db.all("SELECT zone FROM calendar_state").catch((err: unknown) => {
    // Only a database without the column (or table) has no zone; any other failure is the caller's to see.
    if (/no such (column|table)|does not exist/i.test(String((err as Error)?.message))) return [];
    throw err;
  });
  const zone = rows[0]?.zone;
  return typeof zone === "string" && zone !== "" ? zone : undefined;
}

/**
 * The recorded zone, as one this runtime knows: a name it does not (a database edited by hand, or written
 * by a runtime with a newer zone database) is refused in one line saying how to record another.
 */
export function knownZone(stored: string): string {
  try {
    return parseZone(stored);
  } catch {
    throw new UsageError(
      `the calendar's rules in this database are recorded in time zone "${stored}", which this program does ` +
        "not know: record the clinic's zone with: healthcenterserver availability zone ZONE",
      { hint: false },
    );
  }
}

/** A UsageError when the rules were written in another zone than `zone` (where it came from: `given`). */
export function checkZone(stored: string | undefined, zone: string, given: string): void {
  if (stored === undefined || sameZone(stored, zone)) return;
  knownZone(stored);
  throw new UsageError(
    `the calendar's rules in this database are in ${stored} time, not ${zone} (${given}): ` +
      `give --time-zone ${stored} (or [clinic] time_zone = "${stored}" in the deployment file); ` +
      `if the rules' zone is wrong or the clinic moved, record another with: healthcenterserver availability zone ZONE`,
    { hint: false },
  );
}

/** One zone under two names the runtime knows as one (GB and Europe/London, UTC and Etc/UTC). */
function sameZone(a: string, b: string): boolean {
  if (a === b) return true;
  // ZonedDateTime.equals compares the zones as the runtime's one zone (bun-types does not declare it).
  type Comparable = { equals(other: unknown): boolean };
  const at = (zone: string) => Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone) as unknown;
  try {
    return (at(a) as Comparable).equals(at(b));
  } catch {
    return false; // a stored name this runtime does not know: not the same as one it does
  }
}

/**
 * Inside an edit's transaction: the zone its rules are in, unless one is recorded; one recorded since the
 * edit's checkZone (another edit, in another zone, committed in between) refuses it, rolling it back.
 */
export async function recordZone(db: CalendarDb, zone: string): Promise<void> {
  await db.run("UPDATE calendar_state SET zone = ? WHERE zone IS NULL", [zone]);
  checkZone(await storedZone(db), zone, "given to this edit");
}

/**
 * `load` for a running server's reloads of the rules, warning once per zone when `availability zone`
 * recorded another than the server's, which keeps its own until restarted (a restart in the old zone is refused).
 */
export function watchingZone<T>(db: CalendarDb, zone: string, warn: (text: string) => void, load: () => Promise<T>) {
  let said: string | undefined;
  return async (): Promise<T> => {
    const data = await load();
    const stored = await storedZone(db);
    if (stored === undefined || stored === said || sameZone(stored, zone)) return data;
    said = stored;
    warn(
      `the calendar's zone was changed to ${stored} (availability zone): this server still reads the rules ` +
        `in ${zone} until restarted with --time-zone ${stored}`,
    );
    return data;
  };
}

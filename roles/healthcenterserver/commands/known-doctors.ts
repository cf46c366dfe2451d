// Which doctors a data directory and a bookings database say exist, for `staff add --role doctor
// --doctor DOC`: a doctor account for a name no schedule knows would sign in and see nobody's patients.
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { hasFile, pathOf, readDataFile } from "../../../shared/datadir.ts";
import { DataError, UsageError } from "../../../shared/errors.ts";
import { parseSlotTable } from "../../../shared/slot-file.ts";
import { unknownMessage } from "../../../shared/suggest.ts";
import { openCalendarDb } from "../store/calendar-db.ts";
import { parseDbTarget, readDbPassword } from "../store/db-target.ts";

const named_max = 20;

/**
 * The doctors of the data directory's availabilities.txt and of the calendar in the database `db`
 * names (when it has one), in order, without repeats; empty when neither says (nothing to check against).
 */
export async function knownDoctors(dir: string, db: string | undefined, passwordFile?: string): Promise<string[]> {
  const known = new Set<string>();
  for (const name of scheduleDoctors(dir)) known.add(name);
  for (const name of db === undefined ? [] : await calendarDoctors(db, passwordFile)) known.add(name);
  return [...known];
}

/** availabilities.txt's doctors; none when there is none, or it does not parse (the server says why at start-up). */
function scheduleDoctors(dir: string): string[] {
  if (!hasFile({ dir }, "availabilities.txt")) return [];
  try {
    const file = pathOf({ dir }, "availabilities.txt");
    return parseSlotTable(file, readDataFile({ dir }, "availabilities.txt")).doctors.list;
  } catch (err) {
    if (err instanceof DataError) return [];
    throw err;
  }
}

/** The calendar's doctors; none when the database has no calendar (or, for SQLite, no file yet). */
async function calendarDoctors(dbText: string, passwordFile: string | undefined): Promise<string[]> {
  const target = parseDbTarget(dbText);
  const names = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.name));
  if (target.kind === "sqlite") {
    // Read only: checking a name must not create the file or its tables.
    if (!existsSync(target.path)) return [];
    const db = new Database(target.path, { readonly: true });
    try {
      const table = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calendar_doctors'").get();
      return table
        ? names(db.query("SELECT name FROM calendar_doctors ORDER BY id").all() as Record<string, unknown>[])
        : [];
    } finally {
      db.close();
    }
  }
  const db = await openCalendarDb(target, readDbPassword(passwordFile));
  try {
    return names(await db.all("SELECT name FROM calendar_doctors ORDER BY id"));
  } finally {
    await db.close();
  }
}

/** Refuses a doctor no schedule knows, in one line naming the known ones; nothing known: accepted. */
export function checkDoctorKnown(doctor: string, known: readonly string[]): void {
  if (known.length === 0 || known.includes(doctor)) return;
  const more = known.length > named_max ? ` and ${known.length - named_max} more` : "";
  const list = `known: ${known.slice(0, named_max).join(", ")}${more}`;
  throw new UsageError(unknownMessage("doctor", doctor.slice(0, 64), known, list));
}

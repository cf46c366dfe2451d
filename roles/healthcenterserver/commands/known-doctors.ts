// Which doctors a data directory and a bookings database say exist, for `staff add --role doctor
// --doctor DOC`: a doctor account for a name no schedule knows would sign in and see nobody's patients.
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { hasFile, pathOf, readDataFile } from "../../../shared/datadir.ts";
import { DataError, UsageError } from "../../../shared/errors.ts";
import { parseSlotTable } from "../../../shared/slot-file.ts";
import { unknownMessage } from "../../../shared/suggest.ts";
import { doctorKey } from "../../../shared/names.ts";
import { doctor_pattern } from "../../../shared/tokens.ts";
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

/** What is wrong with a doctor's name as given, in the words of the refusal; undefined when nothing is. */
export function doctorNameProblem(name: string): string | undefined {
  return doctor_pattern.test(name)
    ? undefined
    : `bad doctor name ${JSON.stringify(name.slice(0, 80))}: letters, digits, _ and - only (at most 64)`;
}

/**
 * The doctor `given` names, as the schedule writes it: compared as the protocol compares doctors
 * (without case, and doctorN is docN), so doctor1 and DOC1 are doc1. Refused in one line when the
 * name is not one, or no schedule knows it (the known ones named); nothing known: the name as docN.
 */
export function checkDoctorKnown(given: string, known: readonly string[]): string {
  const problem = doctorNameProblem(given);
  if (problem) throw new UsageError(`--doctor: ${problem}`, { hint: false });
  const doctor = known.find((k) => k === given) ?? known.find((k) => doctorKey(k) === doctorKey(given));
  if (doctor !== undefined) return doctor;
  // doctorN and docN in any case are written docN, as the data files write them (DOC1 is doc1 to patients).
  if (known.length === 0) return /^doc(tor)?\d+$/i.test(given) ? doctorKey(given) : given;
  const more = known.length > named_max ? ` and ${known.length - named_max} more` : "";
  const list = `known: ${known.slice(0, named_max).join(", ")}${more}`;
  throw new UsageError(unknownMessage("doctor", given.slice(0, 64), known, list));
}

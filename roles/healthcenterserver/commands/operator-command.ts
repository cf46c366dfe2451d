// What the operator's subcommands share: the verb or the usage (`availability`, `types`, `audit`), and
// for the calendar's edits (`availability`, `types`) the database the flags or the deployment file
// name, opened for one edit with the operator's edit context, its lines printed, and closed.
import { loadConfig } from "../../../shared/config.ts";
import { exit_code, UsageError } from "../../../shared/errors.ts";
import { horizon_weeks_default } from "../../../shared/limits.ts";
import { unknownMessage } from "../../../shared/suggest.ts";
import { clinicZone, zoneGiven } from "../cli/calendar-settings.ts";
import { checkZone, knownZone, storedZone } from "../store/calendar-zone.ts";
import { openCalendarDb, type CalendarDb } from "../store/calendar-db.ts";
import { parseDbTarget, readDbPassword } from "../store/db-target.ts";
import type { EditContext } from "./availability-edit.ts";
import { operatorWho } from "./operator-audit.ts";

/** The verb; or, once the usage is printed, the exit code (asked for help: done; no verb: a usage error). */
export function verbOrUsage(
  help: boolean | undefined,
  first: string | undefined,
  usage: string,
  command: string,
  verbs: readonly string[],
): string | number {
  if (help || first === "help" || first === undefined) {
    console.log(usage);
    return first === undefined && !help ? exit_code.usage : exit_code.done;
  }
  if (!verbs.includes(first)) throw new UsageError(unknownMessage(command, first, verbs));
  return first;
}

/** The flags every calendar edit takes. */
export type EditFlags = {
  config?: string;
  "time-zone"?: string;
  db?: string;
  "db-password-file"?: string;
  "dry-run"?: boolean;
  "keep-booked"?: boolean;
  reason?: string;
};

/**
 * Runs one calendar edit: `prepare` gets the clinic's zone and checks every value before the database
 * is opened (a bad one changes nothing), then returns the edit, whose lines are printed.
 */
export async function runCalendarEdit(
  values: EditFlags,
  prepare: (zone: string) => (db: CalendarDb, ctx: EditContext) => Promise<string[]>,
): Promise<number> {
  const config = loadConfig(values.config);
  const given = [values["time-zone"], config.clinic.timeZone] as const;
  let zone = clinicZone(...given);
  const edit = prepare(zone);
  const target = parseDbTarget(values.db ?? config.server.db ?? "healthcenter.db");
  const db = await openCalendarDb(target, readDbPassword(values["db-password-file"] ?? config.server.dbPasswordFile));
  try {
    // A zone given must be the rules'; none given: the rules' own (the machine's only when none is recorded).
    const [stored, explicit] = [await storedZone(db), given.some((z) => z !== undefined)];
    if (explicit) checkZone(stored, zone, zoneGiven(...given));
    else zone = stored === undefined ? zone : knownZone(stored);
    const ctx: EditContext = {
      zone,
      zoneExplicit: explicit,
      weeks: horizon_weeks_default,
      dryRun: values["dry-run"] ?? false,
      keepBooked: values["keep-booked"] ?? false,
      now: Date.now(),
      who: operatorWho(values.reason ?? ""),
    };
    for (const line of await edit(db, ctx)) console.log(line);
    return exit_code.done;
  } finally {
    await db.close();
  }
}

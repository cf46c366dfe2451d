// `healthcenterserver availability add|list|except|open|remove|import|zone`: the operator edits the
// calendar in the bookings database (SQLite file or PostgreSQL); running servers pick the change up
// within a second. Errors are one line and exit 2; nothing changes on an error or a dry run.
import { UsageError } from "../../../shared/errors.ts";
import { parseFlags, parsePortFlag, type Options } from "../../../shared/flags.ts";
import { horizon_weeks_default } from "../../../shared/limits.ts";
import { unknownMessage } from "../../../shared/suggest.ts";
import { doctorNameProblem } from "./known-doctors.ts";
import { byFlag } from "../cli/calendar-settings.ts";
import { openCalendarDb, type CalendarDb } from "../store/calendar-db.ts";
import { doctorNumber, insertException, insertRule, loadCalendar, removeRecord } from "../store/calendar-records.ts";
import { localDate } from "../calendar/display.ts";
import { checkRuleOverlaps, validateException, validateRule } from "../calendar/validate.ts";
import { parseDbTarget, readDbPassword } from "../store/db-target.ts";
import { applyEdit, type EditContext } from "./availability-edit.ts";
import { importClassicFile } from "./availability-import.ts";
import { listAvailability } from "./availability-list.ts";
import { runZoneCommand } from "./availability-zone.ts";
import { checkTypesFit, parseTypeList } from "../calendar/appointment-types.ts";
import { loadTypes } from "../store/type-records.ts";
import {
  parseAppointmentMinutes,
  parseDate,
  parseEveryWeeks,
  parseNthOfMonth,
  parseTime,
  parseWeekdays,
} from "../calendar/parse.ts";

import { runCalendarEdit, verbOrUsage } from "./operator-command.ts";
const usage = `Usage:
  healthcenterserver availability add <doctor> --days mon-fri --start 09:00 --end 17:00 --minutes 15
        [--every-weeks N] [--nth 1,3] [--valid-from DATE] [--valid-until DATE] [--port P]
        (or --types first,followup instead of --minutes: the appointment types it offers, the first its default)
  healthcenterserver availability except <doctor> --from DATE [--to DATE] [--start T --end T] [--reason TEXT]
  healthcenterserver availability open <doctor> --from DATE [--to DATE] --start T --end T --minutes N
  healthcenterserver availability remove <r3|e2>        a rule (r) or exception (e) by the id list shows
  healthcenterserver availability list                  the rules, exceptions and the next two weeks
  healthcenterserver availability import availabilities.txt --from DATE [--minutes 60]
  healthcenterserver availability zone [ZONE]           the zone recorded with the rules; given one, records it
        (the rules' wall times stay and their instants move; booked appointments keep their instants)
Every command takes --db FILE|URL (default: the deployment file's, else healthcenter.db), --config FILE,
--time-zone ZONE; edits take --dry-run (show what would change) and --keep-booked (allow an edit that
leaves booked appointments outside availability; they stay, and staff see them marked).`;

const options = {
  db: { type: "string", value: "FILE|URL", help: "the bookings database" },
  "db-password-file": { type: "string", value: "FILE", help: "PostgreSQL password file" },
  config: { type: "string", value: "FILE", help: "deployment file" },
  "time-zone": { type: "string", value: "ZONE", help: "the clinic's IANA zone" },
  days: { type: "string", value: "DAYS", help: "mon,wed or mon-fri" },
  start: { type: "string", value: "HH:MM", help: "local start time" },
  end: { type: "string", value: "HH:MM", help: "local end time" },
  minutes: { type: "string", value: "N", help: "one appointment's length" },
  types: { type: "string", value: "A,B", help: "the appointment types the rule offers (the first: its default)" },
  "every-weeks": { type: "string", value: "N", help: "every Nth week" },
  nth: { type: "string", value: "1,3", help: "which of the month's weekdays (-1 = last)" },
  "valid-from": { type: "string", value: "DATE", help: "first date" },
  "valid-until": { type: "string", value: "DATE", help: "last date" },
  from: { type: "string", value: "DATE", help: "first date" },
  to: { type: "string", value: "DATE", help: "last date" },
  reason: { type: "string", value: "TEXT", help: "why (leave, training)" },
  port: { type: "string", value: "P", help: "the doctor's UDP port (needed for a new doctor)" },
  "dry-run": { type: "boolean", help: "show what would change; change nothing" },
  "keep-booked": { type: "boolean", help: "allow leaving booked appointments outside availability" },
} as const satisfies Options;

type Values = ReturnType<typeof parseFlags<typeof options>>["values"];
const verbs = ["add", "except", "open", "remove", "list", "import", "zone"];

export async function runAvailabilityCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 2);
  const verb = verbOrUsage(values.help, positionals[0], usage, "availability command", verbs);
  if (typeof verb === "number") return verb;
  if (verb === "zone") return runZoneCommand(values, positionals[1]);
  return runCalendarEdit(values, () => (db, ctx) => runVerb(db, verb, positionals[1], values, ctx));
}

/** Where a page edit goes: the server's database and zone. */
export type EditTarget = { dbPath: string; dbPasswordFile: string | undefined; zone: string; zoneExplicit?: boolean };

/**
 * An edit from the staff page (add, except, open, remove), with the form's fields named as the
 * command's flags; the same checks and refusals as the command. Its own connection, closed after.
 */
export async function editAvailability(target: EditTarget, verb: string, arg: string, form: URLSearchParams) {
  if (!["add", "except", "open", "remove"].includes(verb)) throw new UsageError(unknownMessage("edit", verb, verbs));
  const values: Record<string, string | boolean> = {};
  for (const [name, value] of form) {
    if (!(name in options) || value === "") continue;
    values[name] =
      options[name as keyof typeof options].type === "boolean" ? value === "on" || value === "true" : value;
  }
  const db = await openCalendarDb(parseDbTarget(target.dbPath), readDbPassword(target.dbPasswordFile));
  try {
    const ctx: EditContext = {
      zone: target.zone,
      zoneExplicit: target.zoneExplicit,
      weeks: horizon_weeks_default,
      dryRun: values["dry-run"] === true,
      keepBooked: values["keep-booked"] === true,
      now: Date.now(),
    };
    return await runVerb(db, verb, arg, values as Values, ctx);
  } finally {
    await db.close();
  }
}

async function runVerb(db: CalendarDb, verb: string, arg: string | undefined, v: Values, ctx: EditContext) {
  if (verb === "list") return listAvailability(db, ctx.zone, ctx.now);
  if (verb === "import") {
    if (!arg)
      throw new UsageError("availability import needs a file: availability import availabilities.txt --from DATE");
    return importClassicFile(db, arg, flag(v, "from", parseDate), ctx, v.minutes);
  }
  if (verb === "remove") {
    const m = /^([re])(\d{1,9})$/.exec(arg ?? "");
    if (!m) throw new UsageError("availability remove needs an id as list shows it: r3 (a rule) or e2 (an exception)");
    const what = m[1] === "r" ? "rule" : "exception";
    return (
      await applyEdit(db, ctx, `remove ${what} ${arg}`, async (tx) => {
        if (!(await removeRecord(tx, what, Number(m[2])))) throw new UsageError(`there is no ${what} ${arg}`);
      })
    ).lines;
  }
  if (!arg) throw new UsageError(`availability ${verb} needs a doctor name: availability ${verb} doc1 --days ...`);
  const badName = doctorNameProblem(arg);
  if (badName) throw new UsageError(badName, { hint: false });
  const port = v.port === undefined ? undefined : parsePortFlag("port", v.port, 0, false); // where it answers quotes
  const doctor = async (tx: CalendarDb) => {
    const n = await doctorNumber(tx, arg, port);
    // Leave for a name the calendar has not is most likely a typo: the nearest doctor, not only "give --port".
    if (n === undefined && verb === "except") throw new UsageError(await unknownAway(tx, arg), { hint: false });
    if (n === undefined)
      throw new UsageError(`${arg} is a new doctor: give --port P (where the doctor answers quotes)`);
    return n;
  };
  return verb === "add" ? addRule(db, arg, v, ctx, doctor) : addException(db, verb, arg, v, ctx, doctor);
}

type DoctorNumber = (tx: CalendarDb) => Promise<number>;

async function addRule(db: CalendarDb, arg: string, v: Values, ctx: EditContext, doctor: DoctorNumber) {
  const typed = await typedLength(db, v);
  const rule = {
    weekdays: flag(v, "days", parseWeekdays),
    start: flag(v, "start", parseTime),
    end: flag(v, "end", endTime),
    minutes: typed ? typed.minutes : flag<number>(v, "minutes", parseAppointmentMinutes),
    ...(typed ? { types: typed.names } : {}),
    everyWeeks: flag(v, "every-weeks", parseEveryWeeks, 1),
    nthOfMonth: flag(v, "nth", parseNthOfMonth, []),
    validFrom: flag(v, "valid-from", parseDate, null),
    validUntil: flag(v, "valid-until", parseDate, null),
  };
  validateRule({ id: 0, doctor: arg, ...rule });
  if (typed) checkTypesFit(rule, typed.types);
  return (
    await applyEdit(db, ctx, `add a rule for ${arg}`, async (tx) => {
      const id = await insertRule(tx, await doctor(tx), rule);
      checkRuleOverlaps({ id, doctor: arg, ...rule }, (await loadCalendar(tx)).rules, localDate(ctx.now, ctx.zone));
    })
  ).lines;
}

async function addException(
  db: CalendarDb,
  verb: string,
  arg: string,
  v: Values,
  ctx: EditContext,
  doctor: DoctorNumber,
) {
  const fromDate = flag(v, "from", parseDate);
  const toDate = flag(v, "to", parseDate, fromDate);
  const fromTime = flag(v, "start", parseTime, null);
  const toTime = flag(v, "end", endTime, null);
  if ((fromTime === null) !== (toTime === null) || (verb === "open" && fromTime === null))
    throw new UsageError(
      `availability ${verb}: give --start and --end together${verb === "open" ? " (an opening needs both)" : ""}`,
    );
  const exception = {
    kind: verb === "open" ? ("open" as const) : ("away" as const),
    fromDate,
    toDate,
    fromTime,
    toTime,
    minutes: verb === "open" ? flag(v, "minutes", parseAppointmentMinutes) : null,
    reason: v.reason ?? "",
  };
  validateException({ id: 0, doctor: arg, ...exception });
  const what = verb === "open" ? `open ${arg}` : `${arg} away`;
  return (
    await applyEdit(
      db,
      ctx,
      `${what} ${fromDate}..${toDate}`,
      async (tx) => void (await insertException(tx, await doctor(tx), exception)),
    )
  ).lines;
}

/** --types: the names (each known, the nearest named otherwise) and the default's length; undefined without it. */
async function typedLength(db: CalendarDb, v: Values) {
  if (v.types === undefined) return undefined;
  if (v.minutes !== undefined)
    throw new UsageError("give --minutes or --types, not both (a typed rule's lengths are its types')", {
      hint: false,
    });
  const types = await loadTypes(db);
  const names = byFlag("--types", v.types, (text) => parseTypeList(text, types));
  return { names, types, minutes: types.find((t) => t.name === names[0])!.minutes };
}

type ValueFlag = Exclude<keyof Values, "dry-run" | "keep-booked" | "help" | "version">;

/**
 * The flag's value through the calendar's parser (the one the wire uses), its error naming the
 * flag; `otherwise` when the flag is not given, or "give --flag" when there is no such default.
 */
function flag<T, D = T>(v: Values, name: ValueFlag, parse: (text: string) => T, ...otherwise: [D?]): T | D {
  const text = v[name] as string | undefined;
  if (text !== undefined) return byFlag(`--${name}`, text, parse);
  if (otherwise.length === 0) throw new UsageError(`give --${name}`, { hint: false });
  return otherwise[0] as D;
}

const endTime = (text: string) => parseTime(text, "time", { end: true });

/** "unknown doctor dco1 (the calendar has doc1, doc2; a new doctor needs --port P); did you mean doc1?" */
async function unknownAway(db: CalendarDb, name: string): Promise<string> {
  const names = (await db.all("SELECT name FROM calendar_doctors ORDER BY id")).map((r) => String(r.name));
  const shown = names.length > 20 ? `${names.slice(0, 20).join(", ")}, ...` : names.join(", ");
  const has = names.length === 0 ? "the calendar has no doctors yet" : `the calendar has ${shown}`;
  return unknownMessage("doctor", name, names, `${has}; a new doctor needs --port P`);
}

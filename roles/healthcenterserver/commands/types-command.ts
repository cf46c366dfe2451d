// `healthcenterserver types add|list|remove`: the clinic's appointment types, in the bookings database
// with the rules. An edit goes through availability's edit (one transaction: refused or dry-run edits
// change nothing; a done one bumps the calendar's version, so running servers see it within a second,
// and is audited). Errors are one line and exit 2.
import { UsageError } from "../../../shared/errors.ts";
import { parseFlags, type Options } from "../../../shared/flags.ts";
import { horizon_weeks_max } from "../../../shared/limits.ts";
import {
  checkTypeCount,
  checkTypesFit,
  findType,
  parseBufferMinutes,
  parseTypeName,
  typeText,
} from "../calendar/appointment-types.ts";
import { formatDuration, parseDuration } from "../calendar/duration.ts";
import { parseAppointmentMinutes } from "../calendar/parse.ts";
import type { AppointmentType } from "../calendar/types.ts";
import { byFlag, checkHorizon, readPolicy } from "../cli/calendar-settings.ts";
import { checkTypePolicy } from "../calendar/policy.ts";
import { loadConfig } from "../../../shared/config.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { loadCalendar } from "../store/calendar-records.ts";
import { loadTypes, removeType, saveType } from "../store/type-records.ts";
import { applyEdit, type EditContext } from "./availability-edit.ts";
import { runCalendarEdit, verbOrUsage } from "./operator-command.ts";

const usage = `Usage:
  healthcenterserver types add <name> --minutes N [--before N] [--after N]
        [--min-notice 2h] [--max-ahead 8w] [--cancel-cutoff 24h]      a new type, or a change to the one of that name
        [--horizon-weeks N]                  the servers' horizon (default 8): the type's rules must fit within it
  healthcenterserver types list                                       the types, and the doctors whose rules offer each
  healthcenterserver types remove <name>                              a type no rule offers
A rule offers types with \`availability add ... --types first,followup\` (the first is its default).
Every command takes --db FILE|URL (default: the deployment file's, else healthcenter.db) and --config FILE;
edits take --dry-run, --keep-booked and --reason TEXT (recorded in the audit trail).`;

const options = {
  db: { type: "string", value: "FILE|URL", help: "the bookings database" },
  "db-password-file": { type: "string", value: "FILE", help: "PostgreSQL password file" },
  config: { type: "string", value: "FILE", help: "deployment file" },
  "time-zone": { type: "string", value: "ZONE", help: "the clinic's IANA zone" },
  minutes: { type: "string", value: "N", help: "the appointment's length" },
  before: { type: "string", value: "N", help: "minutes blocked before it (preparation)" },
  after: { type: "string", value: "N", help: "minutes blocked after it (cleaning, notes)" },
  "min-notice": { type: "string", value: "DURATION", help: "this type's minimum notice to book" },
  "max-ahead": { type: "string", value: "DURATION", help: "how far ahead this type may be booked" },
  "cancel-cutoff": { type: "string", value: "DURATION", help: "this type's cut-off to cancel or move" },
  "horizon-weeks": { type: "string", value: "N", help: "the servers' --horizon-weeks (default 8): the rules must fit" },
  reason: { type: "string", value: "TEXT", help: "why (recorded in the audit trail)" },
  "dry-run": { type: "boolean", help: "show what would change; change nothing" },
  "keep-booked": { type: "boolean", help: "allow leaving booked appointments outside availability" },
} as const satisfies Options;

type Values = ReturnType<typeof parseFlags<typeof options>>["values"];
const verbs = ["add", "list", "remove"];
/** The per-type rules' bounds: from none to the longest horizon. */
const policy_bounds = { min: 0, max: horizon_weeks_max * 7 * 24 * 60 };

export async function runTypesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 2);
  const verb = verbOrUsage(values.help, positionals[0], usage, "types command", verbs);
  if (typeof verb === "number") return verb;
  const arg = positionals[1];
  return runCalendarEdit(values, () => {
    const type = verb === "add" ? typeFromFlags(arg, values) : undefined;
    const name = verb === "remove" ? parseTypeName(arg ?? "") : undefined;
    return (db, ctx) => (type ? addType(db, type, ctx) : name ? dropType(db, name, ctx) : listTypes(db));
  });
}

function typeFromFlags(arg: string | undefined, v: Values): AppointmentType {
  if (arg === undefined) throw new UsageError("types add needs a name: types add first --minutes 30");
  const text = (flag: keyof Values) => v[flag] as string | undefined;
  const duration = (flag: "min-notice" | "max-ahead" | "cancel-cutoff") => {
    const t = text(flag);
    return t === undefined ? null : byFlag(`--${flag}`, t, (x) => parseDuration(x, flag, policy_bounds));
  };
  const minutes = text("minutes");
  if (minutes === undefined) throw new UsageError("give --minutes (the appointment's length)", { hint: false });
  const [minNotice, maxAhead] = [duration("min-notice"), duration("max-ahead")];
  // As for the clinic's own rules (checkPolicy): a notice not below the furthest-ahead leaves nothing to book.
  if (minNotice !== null && maxAhead !== null && minNotice > 0 && maxAhead > 0 && minNotice >= maxAhead)
    throw new UsageError(
      `--min-notice ${formatDuration(minNotice)} is not less than --max-ahead ${formatDuration(maxAhead)}: ` +
        "no slot could be booked",
      { hint: false },
    );
  const type = {
    name: parseTypeName(arg),
    minutes: byFlag("--minutes", minutes, parseAppointmentMinutes),
    before: byFlag("--before", text("before") ?? "0", (x) => parseBufferMinutes(x, "before")),
    after: byFlag("--after", text("after") ?? "0", (x) => parseBufferMinutes(x, "after")),
    minNotice,
    maxAhead,
    cancelCutoff: duration("cancel-cutoff"),
  };
  checkTypeWithinHorizon(type, v);
  return type;
}

const flag_of = { min_notice: "--min-notice", max_ahead: "--max-ahead", cancel_cutoff: "--cancel-cutoff" } as const;

/**
 * The type's rules, with the deployment file's [policy] where it has none of its own, must fit the
 * servers' horizon, as the clinic's own must at start-up: else no slot of it could be booked or cancelled.
 */
function checkTypeWithinHorizon(type: AppointmentType, v: Values): void {
  const horizon = checkHorizon(v["horizon-weeks"]);
  const clinic = readPolicy({}, loadConfig(v.config).policy, horizon);
  const own = { min_notice: type.minNotice, max_ahead: type.maxAhead, cancel_cutoff: type.cancelCutoff };
  checkTypePolicy(clinic, type, horizon, (rule) =>
    own[rule] !== null ? flag_of[rule] : `[policy] ${rule} in the deployment file`,
  );
}

async function addType(db: CalendarDb, type: AppointmentType, ctx: EditContext): Promise<string[]> {
  let said = "";
  let was: AppointmentType | undefined;
  const report = await applyEdit(db, ctx, `type ${typeText(type)}`, async (tx) => {
    was = (await loadTypes(tx)).find((t) => t.name === type.name);
    said = await saveType(tx, type);
    const data = await loadCalendar(tx);
    checkTypeCount(data.types.length);
    // A longer type must still fit every rule that offers it.
    for (const rule of data.rules) if (rule.types?.includes(type.name)) checkTypesFit(rule, data.types);
  });
  // An edit replaces the whole type: say what it was, so a buffer or rule left out is seen to go.
  const before =
    was && typeText(was) !== typeText(type) ? [`  (was ${typeText(was)}: what is not given again is reset)`] : [];
  return [`${said === "changed" ? "changed" : "added"} ${typeText(type)}`, ...before, ...report.lines];
}

async function dropType(db: CalendarDb, name: string, ctx: EditContext): Promise<string[]> {
  const report = await applyEdit(db, ctx, `remove type ${name}`, async (tx) => {
    const data = await loadCalendar(tx);
    findType(name, data.types);
    const offering = data.rules.filter((r) => r.types?.includes(name)).map((r) => `r${r.id}`);
    if (offering.length > 0)
      throw new UsageError(
        `type ${name} is offered by rule ${offering.join(", ")}; remove ${offering.length > 1 ? "them" : "it"} first`,
        { hint: false },
      );
    await removeType(tx, name);
  });
  return report.lines;
}

/** "  first  30 min, 5 min after  (doc1, doc2)": each type and the doctors whose rules offer it. */
export async function listTypes(db: CalendarDb): Promise<string[]> {
  const data = await loadCalendar(db);
  if (data.types.length === 0) return ["No appointment types: each rule's slots are its own --minutes long."];
  const lines = ["Appointment types (a rule's first type is its default):"];
  for (const t of data.types) {
    const doctors = [...new Set(data.rules.filter((r) => r.types?.includes(t.name)).map((r) => r.doctor))];
    lines.push(`  ${typeText(t)}  (${doctors.length > 0 ? `offered by ${doctors.join(", ")}` : "offered by no rule"})`);
  }
  return lines;
}

// `healthcenterserver availability zone [ZONE]`: the zone recorded with the calendar's rules
// (calendar_state.zone; servers, checks and edits in another are refused), shown, or changed. A change
// is one transaction with its audit record, as every availability edit is: the rules' wall times stay
// and their instants move; booked appointments keep their instants.
import { loadConfig } from "../../../shared/config.ts";
import { exit_code, UsageError } from "../../../shared/errors.ts";
import { localParts } from "../calendar/display.ts";
import { parseZone } from "../calendar/zone.ts";
import { appendAuditRecords } from "../store/audit-records.ts";
import { openCalendarDb, type CalendarDb } from "../store/calendar-db.ts";
import { appointmentsFrom, bumpVersion, loadCalendar } from "../store/calendar-records.ts";
import { storedZone } from "../store/calendar-zone.ts";
import { parseDbTarget, readDbPassword } from "../store/db-target.ts";
import { offeredIds, offeredOnBookedDates, onItsSlot } from "./offered-slots.ts";
import { operatorWho } from "./operator-audit.ts";
import { horizon_weeks_default } from "../../../shared/limits.ts";

/** Appointments listed as left off the new slots (in the output and the audit record); the rest are counted. */
const zone_change_listed_max = 50;

export type ZoneFlags = {
  config?: string;
  "time-zone"?: string;
  db?: string;
  "db-password-file"?: string;
  "dry-run"?: boolean;
  reason?: string;
};

/** Shows the recorded zone (no `zoneText`), or records `zoneText` after checking it is an IANA name. */
export async function runZoneCommand(values: ZoneFlags, zoneText: string | undefined): Promise<number> {
  if (values["time-zone"] !== undefined)
    throw new UsageError("availability zone takes the zone as its argument, not --time-zone: availability zone ZONE", {
      hint: false,
    });
  const zone = zoneText === undefined ? undefined : parseZone(zoneText);
  const who = operatorWho(values.reason ?? "");
  const config = loadConfig(values.config);
  const target = parseDbTarget(values.db ?? config.server.db ?? "healthcenter.db");
  const db = await openCalendarDb(target, readDbPassword(values["db-password-file"] ?? config.server.dbPasswordFile));
  try {
    const lines = zone === undefined ? showZone(await storedZone(db)) : await changeZone(db, zone, values, who);
    for (const line of lines) console.log(line);
    return exit_code.done;
  } finally {
    await db.close();
  }
}

function showZone(stored: string | undefined): string[] {
  if (stored === undefined)
    return [
      "no zone is recorded with the calendar's rules: servers and edits take the zone they are given " +
        "(--time-zone, [clinic] time_zone), and the first edit given one records it",
    ];
  return [
    `the calendar's rules are in ${stored} time`,
    `(servers, check and edits in another zone are refused; change it with: availability zone ZONE)`,
  ];
}

/** Thrown inside the transaction to roll a dry run back. */
class DryRun extends Error {}

async function changeZone(
  db: CalendarDb,
  zone: string,
  values: ZoneFlags,
  who: ReturnType<typeof operatorWho>,
): Promise<string[]> {
  const now = Date.now();
  let lines: string[] = [];
  try {
    await db.transaction(async (tx) => {
      const old = await storedZone(tx);
      if (old === zone) {
        lines = [`the calendar's rules are already in ${zone} time: nothing changed`];
        return;
      }
      lines = await describeChange(tx, old, zone, now);
      if (values["dry-run"]) throw new DryRun();
      await tx.run("UPDATE calendar_state SET zone = ?", [zone]);
      await bumpVersion(tx);
      const { reason, ...by } = who;
      const content = { atMs: now, ...by, reason, action: "availability.changed" };
      const subject = `zone ${old ?? "none"} -> ${zone}`;
      await appendAuditRecords(tx, [{ ...content, subject, before: `zone ${old ?? "none"}`, after: lines.join("\n") }]);
    });
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
    lines = [`dry run, nothing changed: ${lines[0]}`, ...lines.slice(1)];
  }
  return lines;
}

/** What the change means: the rules' wall times stay, booked appointments keep their instants. */
async function describeChange(tx: CalendarDb, old: string | undefined, zone: string, now: number): Promise<string[]> {
  const data = await loadCalendar(tx);
  const wall = data.rules[0]?.start ?? "09:00";
  const booked = await appointmentsFrom(tx, now);
  const offered = offeredIds(data, zone, horizon_weeks_default, now);
  const later = offeredOnBookedDates(data, zone, horizon_weeks_default, now, booked);
  const names = new Map(data.doctors.map((d) => [d.number, d.name]));
  const offGrid = booked.filter((a) => !onItsSlot(a, data, offered, later));
  const lines = [
    `the calendar's zone: ${old ?? "none recorded"} -> ${zone}`,
    `the rules' wall times stay (${wall} is ${wall} in ${zone}), so their instants move;`,
    `booked appointments keep their instants: ${booked.length} to come, ` +
      `${offGrid.length} of them no longer on a slot (kept, shown to staff as outside availability)`,
    ...offGrid.slice(0, zone_change_listed_max).map((a) => {
      const l = localParts(a.startMs, zone);
      return `  ${a.patient} ${l.weekday} ${l.date} ${l.time} ${zone} ${names.get(a.doctorNumber) ?? "?"}`;
    }),
    ...(offGrid.length > zone_change_listed_max ? [`  and ${offGrid.length - zone_change_listed_max} more`] : []),
    `servers running in another zone keep it until restarted with --time-zone ${zone} ` +
      `(or [clinic] time_zone = "${zone}"); one restarted in ${old ?? "another zone"} is refused`,
  ];
  return lines;
}

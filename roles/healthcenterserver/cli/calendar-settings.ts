// The calendar's flags: each value goes through the calendar's own parser (calendar/parse.ts,
// calendar/zone.ts), the one the wire uses too, and its one-line error names the flag.
import { UsageError } from "../../../shared/errors.ts";
import { horizon_weeks_default } from "../../../shared/limits.ts";
import { parseHorizonWeeks } from "../calendar/parse.ts";
import { machineZone, parseZone } from "../calendar/zone.ts";

/** `parse(text)`, its UsageError prefixed with the flag: `--from: bad date "2026-02-30": there is no such day`. */
export function byFlag<T>(flag: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${flag}: ${err.message}`, { hint: false });
    throw err;
  }
}

/** The zone's canonical name (the machine's when none is given), or a UsageError naming the nearest valid one. */
export function checkZone(what: string, zone: string | undefined): string {
  return byFlag(what, zone ?? machineZone(), parseZone);
}

export function checkHorizon(text: string | undefined): number {
  return text === undefined ? horizon_weeks_default : byFlag("--horizon-weeks", text, parseHorizonWeeks);
}

// The calendar's settings: the clinic's IANA zone and the horizon, checked with a one-line error.
import { UsageError } from "../../../shared/errors.ts";
import { horizon_weeks_default, horizon_weeks_max, horizon_weeks_min } from "../../../shared/limits.ts";
import { parseZone } from "../calendar/zone.ts";

/** The zone's canonical name, or a UsageError (calendar/zone.ts) naming the nearest valid one. */
export function checkZone(what: string, zone: string): string {
  try {
    return parseZone(zone);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
}

export function checkHorizon(text: string | undefined): number {
  if (text === undefined) return horizon_weeks_default;
  const n = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(n >= horizon_weeks_min && n <= horizon_weeks_max))
    throw new UsageError(
      `--horizon-weeks: ${text} is not a number of weeks from ${horizon_weeks_min} to ${horizon_weeks_max}`,
    );
  return n;
}

// The clinic's time zone: an IANA name the runtime knows, or a one-line error with the nearest one.
import { UsageError } from "../../../shared/errors.ts";
import { closest } from "../../../shared/suggest.ts";

let known: string[] | undefined;
function knownZones(): string[] {
  known ??= Intl.supportedValuesOf("timeZone");
  return known;
}

/** The machine's zone: the default when no `time_zone` / `--time-zone` is given. */
export function machineZone(): string {
  return Temporal.Now.timeZoneId();
}

/** The nearest valid IANA name to a mistyped one: by edit distance, or by its city ("new york" -> America/New_York). */
export function nearestZone(text: string): string | undefined {
  const zones = knownZones();
  const word = text.trim().replace(/ /g, "_");
  const byName = closest(word, zones);
  if (byName !== undefined) return byName;
  const city = (zone: string) => zone.slice(zone.lastIndexOf("/") + 1);
  const cityWord = word.slice(word.lastIndexOf("/") + 1).toLowerCase();
  const exact = zones.find((z) => city(z).toLowerCase() === cityWord);
  if (exact !== undefined) return exact;
  const nearCity = closest(cityWord, zones.map(city));
  return nearCity === undefined ? undefined : zones.find((z) => city(z) === nearCity);
}

/** "Europe/London" (any case, or an alias the runtime knows such as "US/Eastern") -> the runtime's id for it. */
export function parseZone(text: string): string {
  const t = text.trim();
  // Temporal also takes fixed offsets ("+05:00"); a clinic's zone must follow its daylight saving.
  if (t !== "" && !/^[+-]/.test(t) && !/\d:\d/.test(t)) {
    try {
      return Temporal.Now.zonedDateTimeISO(t).timeZoneId;
    } catch {
      // falls through to the error below
    }
  }
  const near = nearestZone(t);
  throw new UsageError(
    `unknown time zone "${text}" (an IANA name such as Europe/London)` +
      (near === undefined ? "" : `; did you mean ${near}?`),
    { hint: false },
  );
}

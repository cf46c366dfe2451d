// Durations the clinic's rules are written in ("cancel at least 24h before", "book up to 8w ahead"):
// "90m", "2h", "1d", "8w", or a sum such as "1h30m". Real time: a day is 24 hours and a week 7 days,
// whatever the clocks do that day.
import { UsageError } from "../../../shared/errors.ts";

const unit_minutes: Record<string, number> = { m: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };
/** More parts than "1w2d3h4m" has is a typo. */
const duration_parts_max = 4;

/** Minutes as the shortest text parseDuration reads back: 90 -> "1h30m", 1440 -> "1d", 0 -> "0m". */
export function formatDuration(minutes: number): string {
  if (minutes === 0) return "0m";
  let rest = minutes;
  let text = "";
  for (const unit of ["w", "d", "h", "m"]) {
    const n = Math.floor(rest / unit_minutes[unit]!);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * unit_minutes[unit]!;
  }
  return text;
}

/**
 * "2h" | "90m" | "1d" | "8w" | "1h30m" | "0" -> minutes, within [min, max] minutes (inclusive). `what`
 * names the value in the error: `bad cancellation cutoff "2x" (say 90m, 2h, 1d or 8w)`.
 */
export function parseDuration(text: string, what: string, bounds: { min: number; max: number }): number {
  const t = text.trim().toLowerCase().replace(/\s+/g, "");
  // A bare 0 is zero in any unit; any other bare number is ambiguous (minutes? hours?).
  if (/^0+$/.test(t)) return inBounds(0, what, bounds);
  if (/^\d+$/.test(t))
    throw new UsageError(`bad ${what} "${text}": give a unit (${t}m, ${t}h, ${t}d or ${t}w)`, { hint: false });
  const parts = [...t.matchAll(/(\d{1,6})([mhdw])/g)];
  const whole = parts.map((p) => p[0]).join("");
  const units = parts.map((p) => p[2]!);
  const ordered = units.every((u, i) => i === 0 || "wdhm".indexOf(units[i - 1]!) < "wdhm".indexOf(u));
  if (t === "" || whole !== t || parts.length > duration_parts_max || !ordered)
    throw new UsageError(`bad ${what} "${text}" (say 90m, 2h, 1d or 8w)`, { hint: false });
  return inBounds(
    parts.reduce((sum, p) => sum + Number(p[1]) * unit_minutes[p[2]!]!, 0),
    what,
    bounds,
  );
}

function inBounds(minutes: number, what: string, bounds: { min: number; max: number }): number {
  if (minutes < bounds.min || minutes > bounds.max)
    throw new UsageError(
      `${what} of ${formatDuration(minutes)} is out of range ` +
        `(${formatDuration(bounds.min)} to ${formatDuration(bounds.max)})`,
      { hint: false },
    );
  return minutes;
}

// The operator's values for availability: days, times, dates, lengths; each error one line.
import { UsageError } from "../../../shared/errors.ts";
import { appointment_minutes_max, appointment_minutes_min } from "../../../shared/limits.ts";
import { isLocalDate } from "../../../shared/protocol.ts";

const day_names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** "mon,wed", "mon-fri", "sat" -> ISO weekdays (1 = Monday). */
export function parseDays(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.toLowerCase().split(",")) {
    const [a, b] = part.split("-");
    const from = day_names.indexOf(a!.slice(0, 3));
    const to = b === undefined ? from : day_names.indexOf(b.slice(0, 3));
    if (from === -1 || to === -1 || to < from)
      throw new UsageError(`--days: ${JSON.stringify(part)} is not a day or range of days (mon,wed or mon-fri)`);
    for (let d = from; d <= to; d++) out.add(d + 1);
  }
  return [...out].sort();
}

export function parseTime(flag: string, text: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
    throw new UsageError(`${flag}: ${text} is not a time HH:MM (24-hour)`);
  return `${m[1]!.padStart(2, "0")}:${m[2]}`;
}

export function parseDate(flag: string, text: string): string {
  if (!isLocalDate(text)) throw new UsageError(`${flag}: ${text} is not a date that exists (YYYY-MM-DD)`);
  return text;
}

export function parseMinutes(text: string, flag = "--minutes"): number {
  const n = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  const [lo, hi] = flag === "--minutes" ? [appointment_minutes_min, appointment_minutes_max] : [1, 52];
  if (!(n >= lo && n <= hi)) throw new UsageError(`${flag}: ${text} is not a number from ${lo} to ${hi}`);
  return n;
}

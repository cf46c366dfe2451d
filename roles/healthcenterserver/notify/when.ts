// When a message may go out: pure functions of the clinic's zone, the reminder offset, the quiet hours
// and a clock given to them (tests drive them across daylight-saving changes without waiting).
import { UsageError } from "../../../shared/errors.ts";
import { parseTime } from "../calendar/parse.ts";
import { minuteOfDay as minuteOfTime } from "../calendar/plan.ts";

/** Quiet hours as minutes of the local day, [from, to); from > to wraps midnight. Undefined: none. */
export type Quiet = { from: number; to: number } | undefined;

export type OutboxKind = "booked" | "moved" | "cancelled" | "reminder";

/** "21:00-08:00" (it may wrap midnight) or "none"; each time read as the calendar reads one (parseTime). */
export function parseQuiet(text: string): Quiet {
  if (text.trim() === "none") return undefined;
  const ends = text.split("-");
  const [from, to] = ends.map((end, i) => {
    // "24:00" as the end is midnight, as people write it ("21:00-24:00" is "21:00-00:00").
    if (i === 1 && end.trim() === "24:00") return 0;
    try {
      return minuteOfTime(parseTime(end));
    } catch {
      return Number.NaN;
    }
  });
  if (ends.length !== 2 || Number.isNaN(from) || Number.isNaN(to))
    throw new UsageError(`quiet hours "${text}": expected HH:MM-HH:MM (such as 21:00-08:00) or none`);
  if (from === to) throw new UsageError(`quiet hours "${text}": the start and end are the same time`);
  return { from: from!, to: to! };
}

const local = (ms: number, zone: string) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
const minuteOfDay = (z: Temporal.ZonedDateTime) => z.hour * 60 + z.minute;
/**
 * The first instant of `z`'s day whose wall time is `minute` or later: the clock change itself where that
 * wall time falls in a spring-forward gap (Temporal would give the time the gap's length later).
 */
function at(z: Temporal.ZonedDateTime, minute: number): number {
  const plainTime = Temporal.PlainTime.from({ hour: Math.floor(minute / 60), minute: minute % 60 });
  const t = z.toPlainDate().toZonedDateTime({ timeZone: z.timeZoneId, plainTime });
  if (minuteOfDay(t) === minute) return t.epochMilliseconds;
  return (t.getTimeZoneTransition("previous") ?? t).epochMilliseconds;
}

/**
 * The quiet hours around `ms` as one span of time, from the instant they begin to the instant they end (at,
 * each side), or undefined outside them. As instants, not wall times: in the hour the clocks go back a wall
 * time such as 01:15 happens twice, and quiet hours begun at the first 01:30 hold through the second 01:15.
 */
function quietSpan(ms: number, zone: string, quiet: NonNullable<Quiet>): { start: number; end: number } | undefined {
  const z = local(ms, zone);
  for (const day of quiet.from > quiet.to ? [z.add({ days: -1 }), z] : [z]) {
    const start = at(day, quiet.from);
    const end = at(quiet.from > quiet.to ? day.add({ days: 1 }) : day, quiet.to);
    if (start <= ms && ms < end) return { start, end };
  }
  return undefined;
}

export function inQuiet(ms: number, zone: string, quiet: Quiet): boolean {
  return quiet !== undefined && quietSpan(ms, zone, quiet) !== undefined;
}

/** The instant the quiet hours around `ms` end (`ms` must be in them). */
export function quietEnd(ms: number, zone: string, quiet: NonNullable<Quiet>): number {
  return quietSpan(ms, zone, quiet)?.end ?? ms;
}

/** The last minute before the quiet hours around `ms` began (`ms` must be in them). */
function beforeQuiet(ms: number, zone: string, quiet: NonNullable<Quiet>): number {
  return (quietSpan(ms, zone, quiet)?.start ?? ms + 60_000) - 60_000;
}

/**
 * When the reminder of an appointment starting at `startMs` is due: `minutes` before it in local time
 * (whole days as calendar days, so a 09:00 appointment the day after a clock change is reminded at
 * 09:00 the day before), moved earlier out of quiet hours.
 */
export function reminderDue(startMs: number, zone: string, minutes: number, quiet: Quiet): number {
  const z = local(startMs, zone).add({ days: -Math.floor(minutes / 1440), minutes: -(minutes % 1440) });
  const due = z.epochMilliseconds;
  return quiet && inQuiet(due, zone, quiet) ? beforeQuiet(due, zone, quiet) : due;
}

export type Decision = { do: "send" } | { do: "wait"; until: number } | { do: "skip"; why: string };

/**
 * What the sender does with a message now: send it, wait out quiet hours, or skip it for good. Quiet hours
 * hold a message only while it would still arrive before the appointment: a confirmation, move or
 * cancellation of an appointment that starts before they end goes at once (the patient must hear of it
 * before setting out), and a reminder that late is skipped. A move is judged by the earlier of its two
 * starts (`oldStartMs`: the one it left): moved from 07:30 to 10:00 at 22:00, the patient would set out
 * for 07:30.
 */
export function decide(
  kind: OutboxKind,
  startMs: number,
  now: number,
  zone: string,
  quiet: Quiet,
  oldStartMs?: number,
): Decision {
  const about = kind !== "cancelled";
  if (about && now >= startMs) return { do: "skip", why: "the appointment has begun" };
  if (!quiet || !inQuiet(now, zone, quiet)) return { do: "send" };
  const until = quietEnd(now, zone, quiet);
  const urgent = [startMs, oldStartMs ?? startMs].some((start) => now < start && start <= until);
  if (!urgent) return { do: "wait", until };
  return kind === "reminder" ? { do: "skip", why: "quiet hours last until the appointment" } : { do: "send" };
}

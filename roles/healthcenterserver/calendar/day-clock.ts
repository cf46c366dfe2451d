// One local day's clock: which instant a wall-clock time of that day is, in one IANA zone. The
// zone's offsets around the day come from Temporal once per day; each slot is then one subtraction
// (instant = wall time - offset in force), so a horizon of a million slots makes no Temporal object
// per slot. A day with a daylight-saving change has two offsets, and a wall time may have two
// instants (fall-back: the first is taken) or none (spring-forward gap).
import type { LocalDate, LocalTime } from "./types.ts";

export const minute_ms = 60_000;
export const day_ms = 86_400_000;
const hour_ms = 3_600_000;
/** No zone's offset is beyond this (the widest today is +14:00, historic ones +/-15:00). */
const offset_ms_max = 16 * hour_ms;
/** Transitions looked at around one day: real zones change at most twice in two days. */
const transitions_per_day_max = 8;

/** A local date as numbers (calendar arithmetic on epoch days, no zone involved). */
export type CivilDay = {
  date: LocalDate;
  /** Days since 1970-01-01 of this local date (calendar arithmetic, no zone involved). */
  epochDay: number;
  /** ISO weekday, 1 = Monday ... 7 = Sunday. */
  weekday: number;
  year: number;
  month: number;
  day: number;
  daysInMonth: number;
};

export type DayClock = CivilDay & {
  /** The offsets in force around the day: offsetMs[i] from the instant spanStartMs[i] on (the first from -Infinity). */
  spanStartMs: number[];
  offsetMs: number[];
};

/** A minute of the day as "HH:MM" (1440, the end of the day, is "24:00"). */
export function timeOfMinute(minute: number): LocalTime {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

/** Epoch day of a valid "YYYY-MM-DD" (validate first: this does not check the date exists). */
export function epochDayOf(date: LocalDate): number {
  return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / day_ms;
}

export function dayClock(zone: string, epochDay: number): DayClock {
  const wallStartMs = epochDay * day_ms;
  const from = Temporal.Instant.fromEpochMilliseconds(wallStartMs - offset_ms_max).toZonedDateTimeISO(zone);
  const spanStartMs = [Number.NEGATIVE_INFINITY];
  const offsetMs = [from.offsetNanoseconds / 1e6];
  const untilMs = wallStartMs + day_ms + offset_ms_max;
  let at: Temporal.ZonedDateTime | null = from;
  for (let i = 0; i < transitions_per_day_max; i++) {
    at = at.getTimeZoneTransition("next");
    if (at === null || at.epochMilliseconds > untilMs) break;
    spanStartMs.push(at.epochMilliseconds);
    offsetMs.push(at.offsetNanoseconds / 1e6);
  }
  return { ...civilDay(epochDay), spanStartMs, offsetMs };
}

export function civilDay(epochDay: number): CivilDay {
  const civil = new Date(epochDay * day_ms);
  const year = civil.getUTCFullYear();
  const month = civil.getUTCMonth() + 1;
  return {
    date: civil.toISOString().slice(0, 10),
    epochDay,
    // 1970-01-01 was a Thursday.
    weekday: ((((epochDay + 3) % 7) + 7) % 7) + 1,
    year,
    month,
    day: civil.getUTCDate(),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

/**
 * The instant a wall-clock time of the day first happens, or NaN if it does not happen that day
 * (inside a spring-forward gap). `minute` may be 1440: the next day's 00:00.
 */
export function instantOf(clock: DayClock, minute: number): number {
  const wallMs = clock.epochDay * day_ms + minute * minute_ms;
  const spans = clock.offsetMs.length;
  for (let i = 0; i < spans; i++) {
    const t = wallMs - clock.offsetMs[i]!;
    // The earliest valid span gives the earliest instant: spans are in time order.
    if (t >= clock.spanStartMs[i]! && (i + 1 === spans || t < clock.spanStartMs[i + 1]!)) return t;
  }
  return Number.NaN;
}

/**
 * Where a wall-clock time falls as the edge of a range: its first instant, or, inside a gap, the
 * instant the clock jumps (a window 01:30-02:30 on a day that skips 02:00-03:00 ends at the jump).
 */
export function boundOf(clock: DayClock, minute: number): number {
  const t = instantOf(clock, minute);
  if (!Number.isNaN(t)) return t;
  const wallMs = clock.epochDay * day_ms + minute * minute_ms;
  for (let i = 1; i < clock.offsetMs.length; i++) {
    if (wallMs - clock.offsetMs[i]! < clock.spanStartMs[i]!) return clock.spanStartMs[i]!;
  }
  throw new Error(`day-clock: no instant for minute ${minute} of ${clock.date}`);
}

/** True when the day's offsets never change (no daylight-saving change near it): one subtraction per slot. */
export function isPlainDay(clock: DayClock): boolean {
  return clock.offsetMs.length === 1;
}

/** The first instant of a local date in a zone (its 00:00, or the jump if 00:00 is skipped that day). */
export function startOfLocalDay(zone: string, date: LocalDate): number {
  return boundOf(dayClock(zone, epochDayOf(date)), 0);
}

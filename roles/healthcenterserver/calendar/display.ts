// A slot's start as people and clients read it, in the clinic's zone: the parts, ISO 8601 with its
// offset, and the short form the staff page shows (the patient makes its own from the ISO start:
// roles/patient/when.ts). These run once per listed slot, so the zone's offset is looked up in a
// cache of the spans between its changes (Temporal once per span, not per slot) and each local
// date's text is made once.
import { day_ms, timeOfMinute } from "./day-clock.ts";
import type { LocalDate } from "./types.ts";

export type LocalParts = {
  /** "2026-12-08" */
  date: LocalDate;
  /** "Tue" */
  weekday: string;
  /** "13:00" */
  time: string;
  /** "+01:00" */
  offset: string;
};

const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** 1 (ISO, Monday) -> "Mon", as the slots' lines name their day. */
export function weekdayName(isoDay: number): string {
  return weekdays[isoDay - 1]!;
}
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Spans kept per zone, and zones and local dates kept: past these the cache starts again. */
const spans_per_zone_max = 64;
const zones_max = 16;
const dates_max = 4096;

type Span = { fromMs: number; toMs: number; offsetMs: number; offset: string };
const spansByZone = new Map<string, Span[]>();
type DateText = { date: LocalDate; weekday: string; short: string };
const dateTexts = new Map<number, DateText>();

function spanAt(zone: string, ms: number): Span {
  let spans = spansByZone.get(zone);
  if (spans === undefined) {
    if (spansByZone.size >= zones_max) spansByZone.clear();
    spans = [];
    spansByZone.set(zone, spans);
  }
  for (const s of spans) if (ms >= s.fromMs && ms < s.toMs) return s;
  const zdt = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  const next = zdt.getTimeZoneTransition("next");
  const previous = zdt.getTimeZoneTransition("previous");
  // `previous` may be the change that starts this very offset, or (at the instant of a change) the one before.
  const fromMs =
    previous === null
      ? Number.NEGATIVE_INFINITY
      : previous.offsetNanoseconds === zdt.offsetNanoseconds
        ? previous.epochMilliseconds
        : ms;
  const span = {
    fromMs,
    toMs: next === null ? Number.POSITIVE_INFINITY : next.epochMilliseconds,
    offsetMs: zdt.offsetNanoseconds / 1e6,
    offset: zdt.offset,
  };
  if (spans.length >= spans_per_zone_max) spans.length = 0;
  spans.push(span);
  return span;
}

function dateText(epochDay: number): DateText {
  let text = dateTexts.get(epochDay);
  if (text === undefined) {
    if (dateTexts.size >= dates_max) dateTexts.clear();
    const civil = new Date(epochDay * day_ms);
    const weekday = weekdays[(((epochDay + 3) % 7) + 7) % 7]!;
    const short = `${weekday} ${civil.getUTCDate()} ${months[civil.getUTCMonth()]}`;
    text = { date: civil.toISOString().slice(0, 10), weekday, short };
    dateTexts.set(epochDay, text);
  }
  return text;
}

function wall(startMs: number, zone: string): { span: Span; epochDay: number; time: string } {
  const span = spanAt(zone, startMs);
  const wallMs = startMs + span.offsetMs;
  const epochDay = Math.floor(wallMs / day_ms);
  const minuteOfDay = Math.floor((wallMs - epochDay * day_ms) / 60_000);
  return { span, epochDay, time: timeOfMinute(minuteOfDay) };
}

/** { date: "2026-12-08", weekday: "Tue", time: "13:00", offset: "+01:00" } */
export function localParts(startMs: number, zone: string): LocalParts {
  const w = wall(startMs, zone);
  const d = dateText(w.epochDay);
  return { date: d.date, weekday: d.weekday, time: w.time, offset: w.span.offset };
}

/** "2026-12-08T13:00+01:00": the wire's form of a start, from its parts. */
export function isoOf(parts: LocalParts): string {
  return `${parts.date}T${parts.time}${parts.offset}`;
}

/** "2026-12-08T13:00+01:00" */
export function isoLocal(startMs: number, zone: string): string {
  return isoOf(localParts(startMs, zone));
}

/** "Tue 8 Dec, 13:00": the short form (the staff page's history). */
export function shortLocal(ms: number, zone: string): string {
  const w = wall(ms, zone);
  return `${dateText(w.epochDay).short}, ${w.time}`;
}

/** The local date an instant falls on: "2026-12-08". */
export function localDate(ms: number, zone: string): LocalDate {
  return dateText(wall(ms, zone).epochDay).date;
}

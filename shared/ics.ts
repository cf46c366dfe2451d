// iCalendar (RFC 5545) for appointments: a stable UID, SEQUENCE raised by each move and by the
// cancellation, METHOD:REQUEST or CANCEL (the server's messages) or PUBLISH (`patient --ics`),
// DTSTART/DTEND in the clinic's zone (TZID) with a VTIMEZONE listing that zone's real offset changes
// around the events, so a program that knows no zone still shows the right local time on both sides
// of a daylight-saving change. Pure; the one copy both the server and the patient use.

export type IcsEvent = {
  uid: string;
  seq: number;
  cancelled: boolean;
  startMs: number;
  minutes: number;
  doctor: string;
  clinic: string;
  address: string;
  zone: string;
  /** The clinic's sender address and the patient's, for iTIP's ORGANIZER and ATTENDEE (email only). */
  organizer?: string;
  attendee?: string;
};

const z = (ms: number, zone: string) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
const two = (n: number) => String(n).padStart(2, "0");
const localStamp = (t: Temporal.ZonedDateTime) =>
  `${t.year}${two(t.month)}${two(t.day)}T${two(t.hour)}${two(t.minute)}00`;
const utcStamp = (ms: number) => `${localStamp(z(ms, "UTC"))}Z`;
const offset = (nanos: number) => {
  const m = Math.round(Math.abs(nanos) / 60e9);
  return `${nanos < 0 ? "-" : "+"}${two(Math.floor(m / 60))}${two(m % 60)}`;
};

/** Text as a property value: backslash, comma, semicolon and line breaks escaped (RFC 5545 3.3.11). */
export function icsText(s: string): string {
  return s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, "\\n");
}

/** Lines folded at 75 octets (RFC 5545 3.1), joined with CRLF. */
function fold(lines: string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    let rest = line;
    let first = true;
    while (Buffer.byteLength(rest) > (first ? 75 : 74)) {
      let cut = first ? 75 : 74;
      while (Buffer.byteLength(rest.slice(0, cut)) > (first ? 75 : 74)) cut--;
      out.push((first ? "" : " ") + rest.slice(0, cut));
      rest = rest.slice(cut);
      first = false;
    }
    out.push((first ? "" : " ") + rest);
  }
  return `${out.join("\r\n")}\r\n`;
}

/** The zone's offset changes from a year before `fromMs` to a year after `toMs`, each as STANDARD or DAYLIGHT. */
export function vtimezone(zone: string, fromMs: number, toMs = fromMs): string[] {
  const lines = ["BEGIN:VTIMEZONE", `TZID:${zone}`];
  let t: Temporal.ZonedDateTime | null = z(fromMs - 366 * 86_400_000, zone);
  const end = toMs + 366 * 86_400_000;
  const first = t.offsetNanoseconds;
  let changes = 0;
  for (;;) {
    const before: Temporal.ZonedDateTime = t!;
    t = before.getTimeZoneTransition("next");
    if (!t || t.epochMilliseconds > end) break;
    const from = before.offsetNanoseconds;
    const to = t.offsetNanoseconds;
    const kind = to > from ? "DAYLIGHT" : "STANDARD";
    // DTSTART is the transition's wall-clock time in the offset in force before it.
    const wall = z(t.epochMilliseconds + from / 1e6, "UTC");
    lines.push(`BEGIN:${kind}`, `DTSTART:${localStamp(wall)}`, `TZOFFSETFROM:${offset(from)}`);
    lines.push(`TZOFFSETTO:${offset(to)}`, `END:${kind}`);
    changes++;
  }
  if (changes === 0) lines.push("BEGIN:STANDARD", "DTSTART:19700101T000000", `TZOFFSETFROM:${offset(first)}`);
  if (changes === 0) lines.push(`TZOFFSETTO:${offset(first)}`, "END:STANDARD");
  lines.push("END:VTIMEZONE");
  return lines;
}

/**
 * `;TZID=zone:local`, or `:UTC` where the local time happens twice (the hour the clocks go back): such
 * a wall time names no one instant, and readers differ on which they take (RFC 5545 says the first,
 * python-icalendar takes the second), so an appointment ending 01:30 in the second 01:30 would end
 * before it began.
 */
function when(ms: number, zone: string): string {
  const t = z(ms, zone);
  const wall = t.toPlainDateTime();
  const once =
    wall.toZonedDateTime(zone, { disambiguation: "earlier" }).epochMilliseconds ===
    wall.toZonedDateTime(zone, { disambiguation: "later" }).epochMilliseconds;
  return once ? `;TZID=${zone}:${localStamp(t)}` : `:${utcStamp(ms)}`;
}

function vevent(e: IcsEvent, stampMs: number): string[] {
  return [
    "BEGIN:VEVENT",
    `UID:${e.uid}`,
    `SEQUENCE:${e.seq}`,
    `DTSTAMP:${utcStamp(stampMs)}`,
    `DTSTART${when(e.startMs, e.zone)}`,
    `DTEND${when(e.startMs + e.minutes * 60_000, e.zone)}`,
    `SUMMARY:${icsText(`Appointment with ${e.doctor}`)}`,
    `LOCATION:${icsText(e.address ? `${e.clinic}, ${e.address}` : e.clinic)}`,
    `DESCRIPTION:${icsText(`With ${e.doctor} at ${e.clinic}.`)}`,
    `STATUS:${e.cancelled ? "CANCELLED" : "CONFIRMED"}`,
    ...(e.organizer ? [`ORGANIZER;CN=${icsText(e.clinic).replace(/[:"]/g, "")}:mailto:${e.organizer}`] : []),
    ...(e.attendee ? [`ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:${e.attendee}`] : []),
    "END:VEVENT",
  ];
}

/**
 * One calendar of `events`, all in one zone (`zone`, or the first event's): its VTIMEZONE spans them all.
 * With no events but a zone, the VTIMEZONE alone (a calendar has at least one component).
 */
export function icsCalendar(
  events: IcsEvent[],
  method: "REQUEST" | "CANCEL" | "PUBLISH",
  stampMs: number,
  zone = events[0]?.zone,
): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//healthcenter//appointments//EN", `METHOD:${method}`];
  const starts = events.map((e) => e.startMs);
  if (zone) lines.push(...vtimezone(zone, Math.min(stampMs, ...starts), Math.max(stampMs, ...starts)));
  for (const e of events) lines.push(...vevent(e, stampMs));
  lines.push("END:VCALENDAR");
  return fold(lines);
}

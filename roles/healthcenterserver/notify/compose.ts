// A message's words and documents: the email's subject and plain text, the webhook's JSON, the .ics.
// Pure: what goes out depends only on the outbox row, the doctor's name and the clinic's settings.
import type { OutboxMessage } from "./outbox-db.ts";
import { icsCalendar, type IcsEvent } from "../../../shared/ics.ts";

export type Clinic = { name: string; address: string; zone: string; from: string };

/** The message's key: its Message-ID and Idempotency-Key, the same on every try. */
export function messageKey(m: OutboxMessage): string {
  return `${m.kind}.${m.seq}.${m.channel}.${m.uid}`;
}

/** Made once: a formatter per call costs more than the rest of a message. */
const day_format = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
});

function when(m: OutboxMessage, zone: string): string {
  const t = Temporal.Instant.fromEpochMilliseconds(m.startMs).toZonedDateTimeISO(zone);
  const date = day_format.format(new Date(Date.UTC(t.year, t.month - 1, t.day)));
  return `${date}, ${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")} (${zone})`;
}

export function subject(m: OutboxMessage, doctor: string): string {
  const what = { booked: "Appointment booked", moved: "Appointment moved", cancelled: "Appointment cancelled" };
  return m.kind === "reminder" ? `Reminder: your appointment with ${doctor}` : `${what[m.kind]} with ${doctor}`;
}

export function bodyText(m: OutboxMessage, doctor: string, clinic: Clinic): string {
  const at = `${when(m, clinic.zone)}, ${m.minutes} minutes, with ${doctor}`;
  const where = clinic.address ? `${clinic.name}, ${clinic.address}` : clinic.name;
  const line = {
    booked: `Your appointment is booked: ${at}.`,
    moved: `Your appointment has moved to ${at}.`,
    cancelled: `Your appointment of ${at} is cancelled.`,
    reminder: `A reminder of your appointment: ${at}.`,
  }[m.kind];
  return `${line}\nWhere: ${where}\n\nThe attached calendar file updates your calendar.\n`;
}

export function icsOf(m: OutboxMessage, doctor: string, clinic: Clinic, now: number, attendee?: string): string {
  const event: IcsEvent = {
    uid: m.uid,
    seq: m.seq,
    cancelled: m.kind === "cancelled",
    startMs: m.startMs,
    minutes: m.minutes,
    doctor,
    clinic: clinic.name,
    address: clinic.address,
    zone: clinic.zone,
    organizer: clinic.from,
    attendee,
  };
  return icsCalendar([event], m.kind === "cancelled" ? "CANCEL" : "REQUEST", now);
}

/** The webhook's document: small, flat, what an SMS provider's glue needs. */
export function webhookDocument(m: OutboxMessage, doctor: string, clinic: Clinic, contact: Contact) {
  return {
    key: messageKey(m),
    kind: m.kind,
    appointment: m.uid,
    sequence: m.seq,
    patient: m.patient,
    phone: contact.phone ?? null,
    email: contact.email ?? null,
    doctor,
    start: Temporal.Instant.fromEpochMilliseconds(m.startMs).toZonedDateTimeISO(clinic.zone).toString(),
    minutes: m.minutes,
    clinic: clinic.name,
    text: bodyText(m, doctor, clinic).split("\n")[0],
  };
}

export type Contact = { email?: string; phone?: string };

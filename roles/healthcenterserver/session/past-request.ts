// `mine past`: the patient's appointments of the last year that have started, cancelled ones included,
// in time order, each line the dated form of `mine` with the status (FHIR's word) as its last field.
// Read from the database, after the patient's changes in flight have settled.
import { past_appointments_max } from "../../../shared/limits.ts";
import { formatError, formatPastLine } from "../../../shared/protocol.ts";
import { isoLocal } from "../calendar/display.ts";
import type { SessionServices } from "./services.ts";

export const past_needs_calendar = "usage: mine past needs a calendar (this server has a weekday file)";

/** The reply's text, or a one-line error; rejects when the database cannot be read. */
export async function pastReply(services: SessionServices, user: string, now: number): Promise<string> {
  const zone = services.schedule.calendar?.zone;
  if (!services.past || zone === undefined) return formatError(past_needs_calendar);
  await services.booker.settled(user);
  const from = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(zone).add({ years: -1 });
  const visits = await services.past(user, from.epochMilliseconds, now, past_appointments_max);
  let text = "";
  for (const v of visits) {
    const where = services.doctors.get(v.doctor);
    const line = { index: v.slot, start: isoLocal(v.startMs, zone), minutes: v.minutes, doctor: v.doctor };
    const port = where?.port ?? v.port;
    text += formatPastLine(where?.host ? { ...line, port, host: where.host } : { ...line, port }, v.status);
  }
  services.log.info(`Past appointments requested by ${user}: ${visits.length} listed`, {
    event: "mine.past",
    cause: "appointment lists",
  });
  return `${text}\n`;
}

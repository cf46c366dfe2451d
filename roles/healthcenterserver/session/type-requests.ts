// Appointment types on the wire: `types` lists the ones the calendar's rules offer (`<name> <minutes>`,
// then an empty line), and a request's `type=<name>` becomes the type's number in the schedule, or the
// one-line error naming the nearest type.
import { closest } from "../../../shared/suggest.ts";
import type { Schedule } from "../booking/schedule.ts";

/** The type's number in the schedule's calendar, or the error to answer (without "error "); none named: undefined. */
export function typeNumber(schedule: Schedule, name: string | undefined): number | string | undefined {
  if (name === undefined) return undefined;
  const types = schedule.calendar?.types ?? [];
  const n = types.findIndex((t) => t.name === name);
  if (n >= 0) return n;
  const near = closest(
    name,
    types.map((t) => t.name),
  );
  return `unknown appointment type "${name}"${near === undefined ? "" : `; did you mean ${near}?`}`;
}

/** `<name> <minutes>` for each type a rule offers, by name, then the empty line (none: the empty line alone). */
export function typesListing(schedule: Schedule): string {
  const calendar = schedule.calendar;
  let text = "";
  const offered = calendar?.typed?.offered ?? 0;
  calendar?.types.forEach((t, i) => {
    if (offered & (1 << i)) text += `${t.name} ${t.minutes}\n`;
  });
  return `${text}\n`;
}

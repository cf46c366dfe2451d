// Appointment types as people type them and as a rule names them, each refused in one line that
// names the value (the CLI exits 2, nothing changes): a type's name, its buffers, a rule's list of
// types (an unknown one gets the nearest name), and a type too long for a rule's window. Pure.
import { UsageError } from "../../../shared/errors.ts";
import {
  appointment_buffer_minutes_max,
  appointment_type_name_chars_max,
  appointment_types_max,
} from "../../../shared/limits.ts";
import { printable } from "../../../shared/printable.ts";
import { closest } from "../../../shared/suggest.ts";
import { formatDuration } from "./duration.ts";
import { parseBoundedInt } from "./parse.ts";
import { minuteOfDay } from "./plan.ts";
import type { AppointmentType, Rule } from "./types.ts";

function refuse(message: string): never {
  throw new UsageError(message, { hint: false });
}

/** What was typed, as the one-line refusal shows it: quoted, control characters escaped, at most 40 characters. */
const shown = (text: string) => `"${printable(text.slice(0, 40))}"`;

const name_pattern = new RegExp(`^[a-z][a-z0-9_-]{0,${appointment_type_name_chars_max - 1}}$`);

/** "first", "follow-up": a lower-case letter, then letters, digits, - or _ (one word on the wire). */
export function parseTypeName(text: string): string {
  const t = text.trim();
  if (!name_pattern.test(t))
    refuse(
      `bad type name ${shown(text)} (a lower-case letter, then letters, digits, - or _; ` +
        `at most ${appointment_type_name_chars_max} characters)`,
    );
  return t;
}

/** A buffer before or after an appointment, in minutes: 0 to the limit; a negative one says so. */
export function parseBufferMinutes(text: string, what: "before" | "after"): number {
  const t = text.trim().replace(/\s*(m|min|mins|minutes)$/i, "");
  if (/^-\d+$/.test(t)) refuse(`buffer ${what} of ${t} minutes is negative (0 to ${appointment_buffer_minutes_max})`);
  return parseBoundedInt(t, `buffer ${what}`, 0, appointment_buffer_minutes_max, "minutes");
}

/** The type of this name, or a refusal naming the nearest one. */
export function findType(name: string, types: readonly AppointmentType[]): AppointmentType {
  const found = types.find((t) => t.name === name);
  if (found) return found;
  const near = closest(
    name,
    types.map((t) => t.name),
  );
  const known = types.length === 0 ? " (there are none: add one with `types add`)" : "";
  return refuse(
    `unknown appointment type ${shown(name)}${known}${near === undefined ? "" : `; did you mean ${near}?`}`,
  );
}

/** "first,followup" -> the names, each a known type, none twice; the first is the rule's default. */
export function parseTypeList(text: string, types: readonly AppointmentType[]): string[] {
  const names = text.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) refuse(`bad types ${shown(text)} (say first,followup: the first is the default)`);
  const seen = new Set<string>();
  for (const n of names) {
    findType(n, types);
    if (seen.has(n)) refuse(`type ${n} is named twice in ${shown(text)}`);
    seen.add(n);
  }
  return names;
}

/** A rule's types each fit in its window, else "type first (30 min) is longer than the rule's window ...". */
export function checkTypesFit(rule: Pick<Rule, "start" | "end" | "types">, types: readonly AppointmentType[]): void {
  const window = minuteOfDay(rule.end) - minuteOfDay(rule.start);
  for (const name of rule.types ?? []) {
    const t = findType(name, types);
    if (t.minutes > window)
      refuse(
        `type ${t.name} (${t.minutes} min) is longer than the rule's window ${rule.start}-${rule.end} (${window} min)`,
      );
  }
}

/** A new type's place: at most appointment_types_max of them. */
export function checkTypeCount(count: number): void {
  if (count > appointment_types_max) refuse(`at most ${appointment_types_max} appointment types`);
}

/** "first 30 min, 5 min before, 10 min after, notice 2h": a type as `types list` shows it. */
export function typeText(t: AppointmentType): string {
  const parts = [`${t.name} ${t.minutes} min`];
  if (t.before > 0) parts.push(`${t.before} min before`);
  if (t.after > 0) parts.push(`${t.after} min after`);
  if (t.minNotice !== null) parts.push(`min notice ${formatDuration(t.minNotice)}`);
  if (t.maxAhead !== null) parts.push(`max ahead ${formatDuration(t.maxAhead)}`);
  if (t.cancelCutoff !== null) parts.push(`cancel cut-off ${formatDuration(t.cancelCutoff)}`);
  return parts.join(", ");
}

// On a calendar whose rules offer appointment types, the Booker's decisions that carry what a booking
// blocks: a booking's span (its type's length and buffers), and a move's target decided as the
// appointment's own type where the target offers it, else as the target's default. Elsewhere: plain.
import type { BookedSpan } from "./booked-spans.ts";
import type { Decision, Schedule } from "./schedule.ts";

/** What booking `index` as type number `type` (undefined: its default) blocks; undefined when not typed. */
export function bookedSpan(schedule: Schedule, index: number, type?: number): BookedSpan | undefined {
  if (!schedule.calendar?.typed) return undefined;
  const decided = schedule.decide(index, type);
  return decided.kind === "free" ? decided.span : undefined;
}

/** A move's target: as `from`'s type where `to` offers it, else `to`'s default; `from`'s own span is no obstacle. */
export function moveTarget(schedule: Schedule, from: number, to: number): Decision {
  const name = schedule.spans.spanOf(from)?.type;
  const type = name ? schedule.calendar?.types.findIndex((t) => t.name === name) : undefined;
  const kept = type === undefined || type < 0 ? undefined : schedule.decide(to, type, from);
  return kept === undefined || kept.kind === "invalid" ? schedule.decide(to, undefined, from) : kept;
}

// A `slots` request on a calendar: its from= and to= dates are checked by the calendar's own parser
// (calendar/parse.ts, the one the CLI uses), then become bounds on the slot id (index order is time order).
import { UsageError } from "../../../shared/errors.ts";
import type { SlotQuery } from "../booking/slot-index.ts";
import { startOfLocalDay } from "../calendar/day-clock.ts";
import { weekdayName } from "../calendar/display.ts";
import { parseDate, parseWeekday } from "../calendar/parse.ts";
import { firstIdFrom } from "../calendar/slot-id.ts";
import { bookingRefused, hasOwnRules, policyForType, type ClinicPolicy } from "../calendar/policy.ts";
import type { CalendarSlots } from "../booking/calendar-slots.ts";

import type { SlotsQuery } from "../../../shared/protocol.ts";

/** A weekday as the calendar's slots name it (Mon), from Mon or Monday in any case; undefined for others. */
export function calendarWeekday(text: string): string | undefined {
  try {
    return weekdayName(parseWeekday(text));
  } catch {
    return undefined;
  }
}

/** Why the query's dates or weekday are refused (`usage: bad from date "2026-02-30": there is no such day`). */
export function datesRefused(q: SlotsQuery): string | undefined {
  if (q.day !== undefined && calendarWeekday(q.day) === undefined)
    return `usage: day=${q.day} is not a weekday (Mon to Sun, or Monday to Sunday)`;
  try {
    if (q.from !== undefined) parseDate(q.from, "from date");
    if (q.to !== undefined) parseDate(q.to, "to date");
    if (q.from !== undefined && q.to !== undefined && q.to < q.from)
      throw new UsageError(`the to date ${q.to} is before the from date ${q.from}`);
    return undefined;
  } catch (err) {
    if (err instanceof UsageError) return `usage: ${err.message}`;
    throw err;
  }
}

/**
 * from= and to= (local dates, checked), the present and the clinic's rules (`policy`: the booked type's,
 * or the clinic's) bound the ids: a start the minimum notice or the furthest ahead refuses is not offered.
 */
export function calendarQuery(q: SlotsQuery, zone: string, now: number, policy?: ClinicPolicy): SlotQuery {
  const minute = 60_000;
  let lowest = firstIdFrom(now + Math.max(1, (policy?.min_notice ?? 0) * minute));
  if (q.from) lowest = Math.max(lowest, firstIdFrom(startOfLocalDay(zone, q.from)));
  const day = q.day === undefined ? undefined : calendarWeekday(q.day);
  const out: SlotQuery = { day, doctor: q.doctor, limit: q.limit, after: Math.max(q.after, lowest - 1) };
  if (q.to) out.before = firstIdFrom(startOfLocalDay(zone, Temporal.PlainDate.from(q.to).add({ days: 1 }).toString()));
  if (policy && policy.max_ahead > 0) {
    const beyond = firstIdFrom(now + policy.max_ahead * minute + 1);
    out.before = Math.min(out.before ?? beyond, beyond);
  }
  return out;
}

/**
 * Without type=, each start is booked as its rule's default type, whose own rules may refuse what the
 * clinic's (the ids' bounds) allow: such a start is not offered either. Before, `slots` listed them and
 * `selection` refused each as too soon. Undefined when no type has rules of its own.
 */
export function defaultTypeBookable(
  cal: CalendarSlots,
  clinic: ClinicPolicy | undefined,
  now: number,
): ((position: number) => boolean) | undefined {
  const typed = cal.typed;
  if (typed === undefined || !cal.types.some(hasOwnRules)) return undefined;
  return (p) => {
    const chosen = typed.mask[p] === 0 ? -1 : typed.defaultType[p]!;
    const own = chosen >= 0 ? cal.types[chosen] : undefined;
    if (own === undefined || !hasOwnRules(own)) return true;
    const policy = policyForType(clinic, own);
    return policy === undefined || bookingRefused(policy, cal.startMs[p]!, now) === undefined;
  };
}

// What happened at a visit: an appointment's status, named as FHIR Appointment.status names it
// (booked, arrived, fulfilled, noshow, cancelled), which changes make sense, and what the staff page
// shows (a booked appointment nobody marked, past its end and a grace period, is "not marked": a
// display state, never stored). Pure: the stores run these checks inside their transactions.

/** Stored with an appointment that holds its time (the appointments table). */
export const held_statuses = ["booked", "arrived", "fulfilled", "noshow"] as const;
export type HeldStatus = (typeof held_statuses)[number];
/** Every stored status: a cancelled appointment is kept apart (appointments_closed), its time free again. */
export type VisitStatus = HeldStatus | "cancelled";
/** What staff mark on the page. */
export const mark_statuses = ["arrived", "fulfilled", "noshow"] as const;
export type MarkStatus = (typeof mark_statuses)[number];
/** What the page shows: a stored status, or "notmarked". */
export type ShownStatus = VisitStatus | "notmarked";

/** How a person reads each (the page, the patient's menu). */
export const status_words: Record<ShownStatus, string> = {
  booked: "booked",
  arrived: "arrived",
  fulfilled: "seen",
  noshow: "no-show",
  cancelled: "cancelled",
  notmarked: "not marked",
};

export function isMarkStatus(text: string): text is MarkStatus {
  return (mark_statuses as readonly string[]).includes(text);
}

/**
 * Why `from` may not become `to` now, in one line naming the value; undefined when it may. Arrived
 * may be marked before the start (a patient in the waiting room); seen and no-show only once the
 * appointment has started. A no-show who turns up late may still be marked arrived or seen; a
 * patient seen was not a no-show. Marking what is already so is refused (nothing would change).
 */
export function markRefusal(from: VisitStatus, to: MarkStatus, startMs: number, now: number, slot: number) {
  if (from === "cancelled") return `appointment ${slot} was cancelled: it cannot be marked ${status_words[to]}`;
  if (from === to) return `appointment ${slot} is already marked ${status_words[to]}`;
  if (to !== "arrived" && now < startMs)
    return `appointment ${slot} has not started yet: it cannot be marked ${status_words[to]} before its start`;
  if (from === "fulfilled") return `appointment ${slot} was seen: it cannot be marked ${status_words[to]}`;
  if (from === "arrived" && to === "noshow") return `appointment ${slot}: the patient arrived, not a no-show`;
  return undefined;
}

/** The status the page shows: booked past its end plus the grace period is "not marked". */
export function shownStatus(status: VisitStatus, endMs: number, graceMs: number, now: number): ShownStatus {
  return status === "booked" && now >= endMs + graceMs ? "notmarked" : status;
}

/** The window no-shows are counted in, back from `now`: six calendar months (in UTC). */
export function noShowWindowStart(now: number): number {
  return Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO("UTC").add({ months: -6 }).epochMilliseconds;
}

/** What a patient past the no-show limit is told, on the wire after `error `. */
export function noShowRefusal(count: number): string {
  return (
    `${count} missed appointments in the last 6 months: online booking is closed for you; ` +
    "please call the clinic to book"
  );
}

/** What a patient is told who cancels or moves an appointment already arrived, seen or missed. */
export function visitedRefusal(status: string): string {
  const word = status_words[status as ShownStatus] ?? status;
  return `that appointment is already marked ${word}: it can no longer be cancelled or moved; please call the clinic`;
}

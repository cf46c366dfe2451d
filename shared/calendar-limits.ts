// The calendar's limits (dated slots from availability rules). shared/limits.ts re-exports them, so
// every limit is still named from one place; their relations are checked here, when this loads.
/** Weeks of dated slots a server keeps generated ahead (`--horizon-weeks`), and one appointment's minutes. */
export const horizon_weeks_default = 8;
export const horizon_weeks_min = 1;
export const horizon_weeks_max = 104;
export const appointment_minutes_min = 5;
export const appointment_minutes_max = 720;
/** Appointment types: how many a clinic defines, a name's characters, a buffer's minutes (before or after). */
export const appointment_types_max = 30;
export const appointment_type_name_chars_max = 24;
export const appointment_buffer_minutes_max = 240;
/** A rule "every N weeks" takes N up to this. */
export const every_weeks_max = 52;
/** Weeks from `availability import --from` a classic booking looks for a date that has its slot. */
export const import_carry_weeks_max = 53;
/** Days one call of the generator covers (ten years and more: the daylight-saving proof spans ten in one call). */
export const calendar_generate_days_max = 4_000;
/** Days one exception (leave, or a run of openings) covers, and characters in its reason. */
export const exception_days_max = 731;
export const exception_reason_chars_max = 200;
/** Years of dates on which two rules of one doctor are compared for an overlap (their patterns repeat well within). */
export const rule_overlap_check_years = 20;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`calendar-limits.ts: ${what}`);
}
check(
  horizon_weeks_min <= horizon_weeks_default && horizon_weeks_max * 7 <= calendar_generate_days_max,
  "the default horizon is within bounds, and the longest is generated in one call",
);
/** What happened at the visit: a booked appointment this long past its end shows "not marked" (--mark-grace). */
export const mark_grace_minutes_default = 60;
export const mark_grace_minutes_max = 7 * 24 * 60;
/** The no-show limit ([policy] no_show_limit) at most; it counts the last 6 months. */
export const no_show_limit_max = 100;
/** `mine past`: the last year, at most this many appointments (the most recent). */
export const past_appointments_max = 500;
check(appointment_minutes_min >= 1 && appointment_minutes_max < 24 * 60, "an appointment fits in a day");
check(appointment_types_max <= 30, "a position's types fit in one 32-bit mask (bit 31 spare)");

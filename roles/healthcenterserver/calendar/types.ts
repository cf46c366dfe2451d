// The calendar's data: what a clinic says about when its doctors work, and the dated slots that
// follow from it. Pure data; generation, validation and storage live beside it.
//
// Local dates and times are the clinic's wall clock (its IANA zone); instants are UTC epoch
// milliseconds. A slot is identified by its doctor and its start instant, never by a position.

/** "YYYY-MM-DD", a date on the clinic's calendar. */
export type LocalDate = string;
/** "HH:MM", 24-hour, a time of day on the clinic's wall clock. */
export type LocalTime = string;

/** A doctor's recurring availability. */
export type Rule = {
  id: number;
  doctor: string;
  /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
  weekdays: number[];
  start: LocalTime;
  /** Later than start on the same day. */
  end: LocalTime;
  /** The length of one appointment, in real minutes. */
  minutes: number;
  /** 1 = every week; N = every Nth week, counted from the week of validFrom. */
  everyWeeks: number;
  /** Empty: every matching weekday. Otherwise which of the month's: [1, 3] = first and third, -1 = last. */
  nthOfMonth: number[];
  validFrom: LocalDate | null;
  validUntil: LocalDate | null;
  /**
   * The appointment types the rule offers (their names; the first is its default, booked when a
   * request names none). Absent or empty: a plain rule, cut into `minutes`-long slots.
   */
  types?: string[];
};

/** An appointment type: its length and buffers, and the clinic's rules for it where it has its own. */
export type AppointmentType = {
  name: string;
  /** Real minutes. */
  minutes: number;
  /** Minutes of the doctor's time blocked before and after the appointment (preparation, cleaning). */
  before: number;
  after: number;
  /** Minutes; null: the clinic's rule applies (the policy reads them). */
  minNotice: number | null;
  maxAhead: number | null;
  cancelCutoff: number | null;
};

/**
 * away: the doctor is not available from fromDate to toDate (inclusive), all day or, with
 * fromTime/toTime, in that time range of each day. open: a one-off opening on each of those dates
 * from fromTime to toTime, cut into `minutes`-long slots.
 */
export type Exception = {
  id: number;
  doctor: string;
  kind: "away" | "open";
  fromDate: LocalDate;
  toDate: LocalDate;
  fromTime: LocalTime | null;
  toTime: LocalTime | null;
  /** For open: the length of one appointment. */
  minutes: number | null;
  reason: string;
};

/** One bookable appointment time. */
export type DatedSlot = {
  doctor: string;
  /** The start instant, UTC epoch milliseconds. */
  startMs: number;
  /** Real minutes (on a rule with types: its default type's, or the first type's offered here). */
  minutes: number;
  /** On a rule with types: which types may start here, and the rule's default (absent: a plain slot). */
  typed?: TypedMark;
};

/** Bit i of `mask`: the calendar's type i (by name) may start here; defaultType -1: not on the default's grid. */
export type TypedMark = { mask: number; defaultType: number };

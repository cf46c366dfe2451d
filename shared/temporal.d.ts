// The part of the runtime's Temporal (built into Bun) this project uses. TypeScript 5.9 ships no
// declarations for it; add members here as code needs them (names and shapes as in the proposal).
declare namespace Temporal {
  type Disambiguation = "compatible" | "earlier" | "later" | "reject";
  type DateUnit = "year" | "month" | "week" | "day";
  type TimeUnit = "hour" | "minute" | "second" | "millisecond";

  class Duration {
    readonly years: number;
    readonly months: number;
    readonly weeks: number;
    readonly days: number;
    readonly hours: number;
    readonly minutes: number;
    total(unit: DateUnit | TimeUnit | { unit: DateUnit | TimeUnit; relativeTo?: PlainDate | ZonedDateTime }): number;
    toString(): string;
  }
  type DurationLike = Partial<Record<"years" | "months" | "weeks" | "days" | "hours" | "minutes" | "seconds", number>>;

  class Instant {
    static fromEpochMilliseconds(ms: number): Instant;
    static from(text: string): Instant;
    readonly epochMilliseconds: number;
    toZonedDateTimeISO(timeZone: string): ZonedDateTime;
    toString(): string;
  }

  class PlainTime {
    static from(text: string | { hour: number; minute: number }): PlainTime;
    readonly hour: number;
    readonly minute: number;
    toString(): string;
  }

  class PlainDate {
    static from(
      text: string | { year: number; month: number; day: number },
      options?: { overflow?: "constrain" | "reject" },
    ): PlainDate;
    static compare(a: PlainDate | string, b: PlainDate | string): -1 | 0 | 1;
    readonly year: number;
    readonly month: number;
    readonly day: number;
    /** 1 = Monday ... 7 = Sunday. */
    readonly dayOfWeek: number;
    readonly daysInMonth: number;
    add(duration: DurationLike): PlainDate;
    subtract(duration: DurationLike): PlainDate;
    until(other: PlainDate | string, options?: { largestUnit?: DateUnit }): Duration;
    equals(other: PlainDate | string): boolean;
    toPlainDateTime(time?: PlainTime | string): PlainDateTime;
    toZonedDateTime(options: string | { timeZone: string; plainTime?: PlainTime | string }): ZonedDateTime;
    toString(): string;
  }

  class PlainDateTime {
    static from(text: string): PlainDateTime;
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly hour: number;
    readonly minute: number;
    toZonedDateTime(timeZone: string, options?: { disambiguation?: Disambiguation }): ZonedDateTime;
    toPlainDate(): PlainDate;
    toString(): string;
  }

  class ZonedDateTime {
    static from(text: string): ZonedDateTime;
    readonly timeZoneId: string;
    readonly epochMilliseconds: number;
    readonly offsetNanoseconds: number;
    /** "+01:00" */
    readonly offset: string;
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly hour: number;
    readonly minute: number;
    readonly dayOfWeek: number;
    readonly hoursInDay: number;
    startOfDay(): ZonedDateTime;
    getTimeZoneTransition(direction: "next" | "previous"): ZonedDateTime | null;
    add(duration: DurationLike): ZonedDateTime;
    toInstant(): Instant;
    toPlainDate(): PlainDate;
    toPlainDateTime(): PlainDateTime;
    toString(): string;
  }

  namespace Now {
    function instant(): Instant;
    function zonedDateTimeISO(timeZone?: string): ZonedDateTime;
    function plainDateISO(timeZone?: string): PlainDate;
    function timeZoneId(): string;
  }
}

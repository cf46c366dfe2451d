// The clinic's wall clock: local dates and times of instants in its IANA zone. Temporal gives the
// zone's offset; it is remembered per quarter hour of UTC (every zone in use changes its offset on a
// quarter hour), so formatting a page of slots costs no Temporal call per slot.
const quarter_ms = 15 * 60_000;
const day_names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const cache_entries_max = 100_000;

export type LocalParts = { date: string; time: string; day: string; offset: string };

export class ZoneClock {
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {}

  /** The zone's offset from UTC at this instant, in ms. */
  offsetMs(ms: number): number {
    const quarter = Math.floor(ms / quarter_ms);
    let offset = this.offsets.get(quarter);
    if (offset === undefined) {
      if (this.offsets.size >= cache_entries_max) this.offsets.clear();
      const ns = Temporal.Instant.fromEpochMilliseconds(quarter * quarter_ms).toZonedDateTimeISO(
        this.zone,
      ).offsetNanoseconds;
      offset = ns / 1e6;
      this.offsets.set(quarter, offset);
    }
    return offset;
  }

  local(ms: number): LocalParts {
    const offset = this.offsetMs(ms);
    const d = new Date(ms + offset);
    const iso = d.toISOString();
    return { date: iso.slice(0, 10), time: iso.slice(11, 16), day: day_names[d.getUTCDay()]!, offset: sign(offset) };
  }

  /** "YYYY-MM-DDTHH:MM±HH:MM" */
  iso(ms: number): string {
    const p = this.local(ms);
    return `${p.date}T${p.time}${p.offset}`;
  }

  today(nowMs: number): Temporal.PlainDate {
    return Temporal.Instant.fromEpochMilliseconds(nowMs).toZonedDateTimeISO(this.zone).toPlainDate();
  }

  /** The instant a local date begins (its first moment, even on a day that skips midnight). */
  startOfDay(date: Temporal.PlainDate): number {
    return date.toZonedDateTime({ timeZone: this.zone }).epochMilliseconds;
  }
}

function sign(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `${offsetMs < 0 ? "-" : "+"}${hh}:${mm}`;
}

// Keeps a calendar's schedule current without a restart: the rules' version is polled (a change made
// by another server or the CLI shows within a second), slots leave the schedule as they start, and
// the horizon moves on as days pass. Each of these rebuilds the slot table; holders are carried over
// by slot id, and a booked slot no rule offers any more stays in it, marked outside availability.
import { calendar_poll_ms, calendar_refresh_ms_max } from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import { localDate } from "../calendar/display.ts";
import { generateCalendarSlots } from "../calendar/typed-slots.ts";
import { slotId } from "../calendar/slot-id.ts";
import { hasOwnRules, type TypeRules } from "../calendar/policy.ts";
import type { Appointment, CalendarData } from "../store/calendar-records.ts";
import { buildCalendarTable, generatedEntries, offeredSpan } from "./calendar-slots.ts";
import type { CalendarDoctorInfo, CalendarEntry } from "./calendar-slots.ts";
import type { BookedAs } from "../store/appointment-store.ts";
import type { SlotChange } from "./changes.ts";
import type { Schedule } from "./schedule.ts";

export type CalendarSource = { load(): Promise<CalendarData>; version(): Promise<number> };

export class CalendarKeeper {
  private data: CalendarData;
  private typeRulesFrom: CalendarData | undefined;
  private typeRulesByName: ReadonlyMap<string, TypeRules> = new Map();
  private doctors = new Map<string, CalendarDoctorInfo>();
  private generated: CalendarEntry[] = [];
  private generatedFor = "";
  private pollTimer: Timer | undefined;
  private refreshTimer: Timer | undefined;
  private polling = false;
  /**
   * Why the rules could not be read at the last poll (undefined: they could): logged once an outage, and
   * when they can be again; /readyz says it meanwhile (bookings on a schedule they changed are refused).
   */
  rulesProblem: string | undefined;
  private unsubscribe: (() => void) | undefined;
  private dropQueued = false;
  isPending: (index: number) => boolean = () => false;
  /** Hear each replacement of the schedule (the staff page rebuilds its grid). */
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly schedule: Schedule,
    private readonly source: CalendarSource,
    /** The clinic's IANA zone. */
    readonly zone: string,
    private readonly horizonWeeks: number,
    private readonly log: Log,
    data: CalendarData,
    private readonly now: () => number = Date.now,
  ) {
    this.data = data;
  }

  get doctorList(): CalendarDoctorInfo[] {
    return this.data.doctors;
  }

  get version(): number {
    return this.data.version;
  }

  /** The types with rules of their own (min notice, max ahead, cut-off), by name: the stores apply theirs. */
  get typeRules(): ReadonlyMap<string, TypeRules> {
    if (this.typeRulesFrom !== this.data) {
      this.typeRulesFrom = this.data;
      this.typeRulesByName = new Map(this.data.types.filter(hasOwnRules).map((t) => [t.name, t]));
    }
    return this.typeRulesByName;
  }

  /**
   * False for a slot the schedule keeps only because it is held, no rule offering it any more, or where the
   * type `span` was reserved as no longer starts with that length (a booking reserved under older rules is
   * refused there: store/stale-rules.ts); true for any other.
   */
  readonly offers = (index: number, span?: BookedAs): boolean => {
    const [p, cal] = [this.schedule.position(index), this.schedule.calendar];
    if (p === undefined || cal === undefined) return true;
    if (cal.outside[p] === 1) return false;
    // A type is judged where the calendar has types; an untyped one offers none (a store's own tests book
    // arbitrary spans on it: the committer's overlap rules are theirs to check, not the grid's).
    if (span === undefined || span.type === "" || cal.typed === undefined) return true;
    const now = offeredSpan(
      cal,
      p,
      cal.types.findIndex((t) => t.name === span.type),
    );
    return now !== undefined && now.minutes === span.minutes && now.before === span.before && now.after === span.after;
  };

  /** The appointment types, by name (for the staff page). */
  get types(): CalendarData["types"] {
    return this.data.types;
  }

  /** The exceptions now in force (for the staff page). */
  get exceptions(): CalendarData["exceptions"] {
    return this.data.exceptions;
  }

  /** `listener` runs after each replacement of the schedule. */
  watch(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The first schedule: generated slots and the slots of the stored appointments (load() marks them held). */
  initial(appointments: Appointment[]): void {
    this.regenerate();
    const byNumber = new Map(this.data.doctors.map((d) => [d.number, d]));
    const booked: CalendarEntry[] = [];
    for (const a of appointments) {
      const d = byNumber.get(a.doctorNumber);
      if (d === undefined) continue;
      const id = slotId(d.number, a.startMs);
      booked.push({ id, doctor: d.name, port: d.port, startMs: a.startMs, minutes: a.minutes, outside: true });
    }
    this.install(booked);
  }

  start(): void {
    this.pollTimer = setInterval(() => void this.poll(), calendar_poll_ms);
    this.unsubscribe = this.schedule.changes.subscribe((c) => this.onSlotChange(c));
    this.scheduleRefresh();
  }

  stop(): void {
    clearInterval(this.pollTimer);
    clearTimeout(this.refreshTimer);
    this.unsubscribe?.();
  }

  /**
   * A slot outside availability is in the schedule only while it is booked: once it is free (its
   * appointment cancelled or moved, here or on another server) it leaves, before any other request
   * is read (a microtask), so it is never offered nor bookable.
   */
  private onSlotChange(change: SlotChange): void {
    if (change.holder !== undefined || this.dropQueued) return;
    const p = this.schedule.position(change.index);
    if (p === undefined || this.schedule.calendar?.outside[p] !== 1) return;
    this.dropQueued = true;
    queueMicrotask(() => {
      this.dropQueued = false;
      this.install();
    });
  }

  /** Generates the horizon from today (the clinic's), when the day or the rules changed. */
  /** True when it generated anew (a new day or new rules). */
  private regenerate(): boolean {
    const today = localDate(this.now(), this.zone);
    const key = `${today} ${this.data.version}`;
    if (key === this.generatedFor) return false;
    const last = Temporal.PlainDate.from(today).add({ days: this.horizonWeeks * 7 - 1 });
    this.doctors = new Map(this.data.doctors.map((d) => [d.name, d]));
    const { rules, exceptions, types } = this.data;
    const slots = generateCalendarSlots(rules, exceptions, types, this.zone, today, last.toString());
    this.generated = generatedEntries(slots, this.doctors, this.now());
    this.generatedFor = key;
    return true;
  }

  /** Rebuilds the table: slots still to start, and every held one not yet over (booked slots never vanish). */
  private install(extra: CalendarEntry[] = []): void {
    const now = this.now();
    const offered = new Set(this.generated.map((e) => e.id));
    this.generated = this.generated.filter((e) => e.startMs > now);
    const kept = new Set(this.generated.map((e) => e.id));
    const entries = [...this.generated];
    for (const e of extra) if (!kept.has(e.id)) entries.push({ ...e, outside: !offered.has(e.id) });
    const s = this.schedule;
    const cal = s.calendar;
    for (let p = 0; cal && p < s.slots.length; p++) {
      const id = s.slots.indexAt(p);
      if (s.holderAt(p) === undefined || kept.has(id)) continue;
      const [startMs, minutes] = [cal.startMs[p]!, cal.minutes[p]!];
      // Over when what was booked there is: its type's length and after buffer, not the slot's default.
      const span = s.spans.spanOf(id);
      const endMs = startMs + ((span?.minutes ?? minutes) + (span?.after ?? 0)) * 60_000;
      if (endMs <= now && !this.isPending(id)) {
        s.release(id); // over: it leaves memory (the database keeps it)
        continue;
      }
      // A held slot still offered came with `generated` (its types with it); one no longer offered is plain.
      const doctor = s.slots.doctorAt(p);
      entries.push({ id, doctor, port: s.slots.portAt(p), startMs, minutes, outside: !offered.has(id) });
    }
    const { table, calendar } = buildCalendarTable(entries, this.zone, this.data.types);
    s.replace(table, calendar);
    for (const listener of this.listeners) listener();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const version = await this.source.version();
      if (version !== this.data.version) {
        this.data = await this.source.load();
        this.regenerate();
        this.install();
        this.log.notice(
          `The availability rules changed (version ${this.data.version}): ${this.schedule.freeCount} free slots`,
        );
      }
      if (this.rulesProblem !== undefined) this.log.notice("The availability rules can be read again");
      this.rulesProblem = undefined;
    } catch (err) {
      if (this.rulesProblem === undefined)
        this.log.warn(`cannot read the availability rules: ${(err as Error).message}; trying again until they can be`);
      this.rulesProblem = `the availability rules cannot be read (${(err as Error).message}): bookings are refused`;
    } finally {
      this.polling = false;
    }
  }

  /** At the next slot's start (it leaves the offer), at most a minute away (a new day extends the horizon). */
  private scheduleRefresh(): void {
    const now = this.now();
    const next = this.generated.find((e) => e.startMs > now)?.startMs ?? Infinity;
    const wait = Math.max(10, Math.min(next - now, calendar_refresh_ms_max));
    this.refreshTimer = setTimeout(() => {
      try {
        this.refresh();
      } catch (err) {
        this.log.error(`cannot refresh the calendar: ${(err as Error).message}`, { cause: "calendar" });
      }
      this.scheduleRefresh();
    }, wait);
  }

  /** Started slots leave; on a new day the horizon moves on. */
  refresh(): void {
    const now = this.now();
    const started = (this.generated[0]?.startMs ?? Infinity) <= now;
    // Otherwise nothing has changed: the table (and the staff page's grid) stay as they are.
    if (this.regenerate() || started) this.install();
  }
}

// Wires the staff page into the server process: metrics (created before the listener, whose
// sessions count into them), the grid and its live pages (created after the bookings are
// restored), readiness, and the HTTP server.
import { historyRoutes, type HistorySource } from "./history-route.ts";
import { UsageError } from "../../../shared/errors.ts";
import { parsePortFlag } from "../../../shared/flags.ts";
import type { Log } from "../../../shared/log.ts";
import type { Schedule } from "../booking/schedule.ts";
import { Grid } from "./grid.ts";
import { calendarNote, staffSlots } from "./calendar-view.ts";
import type { CalendarKeeper } from "../booking/calendar-keeper.ts";
import { readiness } from "./health.ts";
import { ServerMetrics } from "./server-metrics.ts";
import type { Booker } from "../booking/booker.ts";
import type { StaffAccount } from "./accounts.ts";
import { deskRoutes } from "./desk-routes.ts";
import { visit_script_route, visitRoutes, type VisitServices } from "./visit-routes.ts";
import { availabilityRoutes, type AvailabilityEditor } from "./availability-routes.ts";
import type { AuditSink } from "./routes.ts";
import { signInRoutes } from "./signin-routes.ts";
import { outboxRoutes, type OutboxView } from "./outbox-route.ts";
import { StaffAuth } from "./staff-auth.ts";
import { StaffSessions } from "./staff-sessions.ts";
import { StaffServer } from "./staff-server.ts";
import { Watchers } from "./watchers.ts";
import { typedViews } from "./typed-view.ts";
import { checkHostFlag } from "../../../shared/endpoints.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";

/** What the page asks of the TCP side, read when asked (the listener starts after this is made). */
export type PatientSide = { listening: boolean; openConnections: number };

export type StaffPageOptions = {
  http: { host: string; port: number };
  token: string | undefined;
  /** staff.txt as read at start-up (replaceAccounts takes a reloaded one). */
  accounts: readonly StaffAccount[];
  sessionTtlMs: number;
  /** The Booker, once made (the page is made before it, for the metrics). */
  booker: () => Booker | undefined;
  patients: () => readonly string[];
  audit: AuditSink | undefined;
  history: HistorySource | undefined;
  /** The clinic's zone: the history's times are shown in it. */
  timeZone: string;
  schedule: Schedule;
  /** Why the booking database cannot take a booking now, as its store sees it; undefined when it can. */
  databaseProblem: () => string | undefined | Promise<string | undefined>;
  log: Log;
  patientSide: () => PatientSide | undefined;
  /** On a calendar: its keeper, whose replacements of the schedule the grid follows. */
  calendar?: Pick<CalendarKeeper, "watch" | "zone" | "exceptions" | "doctorList" | "types">;
  /** On a calendar: what happened at each visit (the day's list, marking), and the "not marked" grace. */
  visits?: { store: VisitServices["store"]; graceMs: number };
  /** Availability edited from the page (the entry gives the command's edit, on the server's database). */
  editAvailability?: AvailabilityEditor;
};

export class StaffPage {
  readonly metrics: ServerMetrics;
  /** The outbox's sender, once it runs (set by notify/start-sender.ts). */
  outbox: OutboxView | undefined;
  private server: StaffServer | undefined;
  private watchers: Watchers | undefined;
  private readonly sessions: StaffSessions;

  constructor(private readonly options: StaffPageOptions) {
    this.sessions = new StaffSessions(options.accounts, options.sessionTtlMs);
    this.metrics = new ServerMetrics({
      freeSlots: () => options.schedule.freeCount,
      openConnections: () => options.patientSide()?.openConnections ?? 0,
      logLinesDropped: () => options.log.droppedLines,
      liveWatchers: () => this.watchers?.count ?? 0,
    });
  }

  /** Call once the stored bookings are in the schedule: the grid starts from them. */
  start(): void {
    const { schedule, log } = this.options;
    const holderAt = (p: number) => schedule.holderAt(p);
    const grid = new Grid(staffSlots(schedule), holderAt, (i) => schedule.position(i));
    const calendar = this.options.calendar;
    if (calendar) {
      const note = () =>
        calendarNote(
          calendar.zone,
          calendar.exceptions,
          Temporal.Now.plainDateISO(calendar.zone).toString(),
          calendar.types,
        );
      grid.note = note();
      calendar.watch(() => {
        grid.reset(staffSlots(schedule), holderAt);
        grid.note = note();
        this.watchers?.resync();
      });
    }
    const views = typedViews(schedule, () => grid.note);
    this.watchers = new Watchers(grid, schedule.changes, views);
    const { audit, booker, patients } = this.options;
    const doctorOf = (slot: number) => doctorOfSlot(schedule, calendar, slot);
    const auth = new StaffAuth(this.options.token, this.sessions, this.options.sessionTtlMs);
    this.server = new StaffServer({
      ...this.options.http,
      grid,
      views,
      watchers: this.watchers,
      auth,
      routes: {
        ...signInRoutes(auth, audit),
        ...deskRoutes({ booker, schedule, patients, audit }),
        ...historyRoutes({ source: this.options.history, timeZone: this.options.timeZone, doctorOf, audit }),
        ...outboxRoutes(
          () => this.outbox,
          this.options.timeZone,
          (n) => doctorNamed(calendar, n),
        ),
        ...(this.options.editAvailability ? availabilityRoutes(this.options.editAvailability, audit) : {}),
        ...this.visitRoutes(),
      },
      audit,
      metrics: this.metrics,
      log,
      readiness: () => readiness(this.options.patientSide()?.listening ?? false, this.options.databaseProblem),
    });
    this.server.start();
  }

  private visitRoutes() {
    const { visits, calendar, audit } = this.options;
    if (!visits || !calendar) return visit_script_route;
    const doctorNumber = (name: string) => calendar.doctorList.find((d) => d.name === name)?.number;
    return { ...visit_script_route, ...visitRoutes({ ...visits, zone: calendar.zone, doctorNumber, audit }) };
  }

  /** A reloaded staff.txt: removed accounts, and those whose role changed, lose their sessions. */
  replaceAccounts(accounts: readonly StaffAccount[]): void {
    this.sessions.replaceAccounts(accounts);
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}

/** The doctor a slot is with: the schedule's, or on a calendar the doctor its id names (a past slot too). */
function doctorOfSlot(schedule: Schedule, calendar: StaffPageOptions["calendar"], slot: number): string | undefined {
  const listed = schedule.slotOf(slot)?.doctor;
  if (listed !== undefined || !calendar) return listed;
  return doctorNamed(calendar, decodeSlotId(slot).doctorNumber);
}

function doctorNamed(calendar: StaffPageOptions["calendar"], number: number): string | undefined {
  return calendar?.doctorList.find((d) => d.number === number)?.name;
}

/** --http HOST:PORT (":PORT" means loopback; port 0 picks a free one). */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`--http expects HOST:PORT (e.g. 127.0.0.1:8080), not ${JSON.stringify(text)}`);
  return { host: checkHostFlag("--http", m[1] ?? (m[2] || "127.0.0.1")), port: parsePortFlag("http", m[3], 0) };
}

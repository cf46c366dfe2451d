// Wires the staff page into the server process: metrics (created before the listener, whose
// sessions count into them), the grid and its live pages (created after the bookings are
// restored), readiness, and the HTTP server.
import { UsageError } from "../../../shared/errors.ts";
import { parsePortFlag } from "../../../shared/flags.ts";
import type { Log } from "../../../shared/log.ts";
import type { Schedule } from "../booking/schedule.ts";
import { Grid } from "./grid.ts";
import { readiness } from "./health.ts";
import { ServerMetrics } from "./server-metrics.ts";
import { StaffAuth } from "./staff-auth.ts";
import { StaffServer } from "./staff-server.ts";
import { Watchers } from "./watchers.ts";
import { checkHostFlag } from "../../../shared/endpoints.ts";

/** What the page asks of the TCP side, read when asked (the listener starts after this is made). */
export type PatientSide = { listening: boolean; openConnections: number };

export type StaffPageOptions = {
  http: { host: string; port: number };
  token: string | undefined;
  schedule: Schedule;
  /** Why the booking database cannot take a booking now, as its store sees it; undefined when it can. */
  databaseProblem: () => string | undefined | Promise<string | undefined>;
  log: Log;
  patientSide: () => PatientSide | undefined;
};

export class StaffPage {
  readonly metrics: ServerMetrics;
  private server: StaffServer | undefined;
  private watchers: Watchers | undefined;

  constructor(private readonly options: StaffPageOptions) {
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
    const grid = new Grid(
      schedule.slots,
      (p) => schedule.holderOf(schedule.slots.at(p)!.index),
      (i) => schedule.position(i),
    );
    this.watchers = new Watchers(grid, schedule.changes);
    this.server = new StaffServer({
      ...this.options.http,
      grid,
      watchers: this.watchers,
      auth: new StaffAuth(this.options.token),
      metrics: this.metrics,
      log,
      readiness: () => readiness(this.options.patientSide()?.listening ?? false, this.options.databaseProblem),
    });
    this.server.start();
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}

/** --http HOST:PORT (":PORT" means loopback; port 0 picks a free one). */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`--http expects HOST:PORT (e.g. 127.0.0.1:8080), not ${JSON.stringify(text)}`);
  return { host: checkHostFlag("--http", m[1] ?? (m[2] || "127.0.0.1")), port: parsePortFlag("http", m[3], 0) };
}

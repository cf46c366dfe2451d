// Wires the staff page into the server process: metrics (created before the listener, whose
// sessions count into them), the grid and its live pages (created after the bookings are
// restored), readiness, and the HTTP server.
import { UsageError } from "../../../shared/errors.ts";
import { parsePortFlag } from "../../../shared/flags.ts";
import type { Log } from "../../../shared/log.ts";
import { parseDbTarget } from "../store/db-target.ts";
import type { Schedule } from "../booking/schedule.ts";
import { Grid } from "./grid.ts";
import { DatabaseProbe, readiness } from "./health.ts";
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
  /** What --db names: a SQLite file is probed; another database is judged by its last commit. */
  db: string;
  /** Why a database the page cannot probe (PostgreSQL) is unusable now, as its store sees it. */
  databaseProblem?: () => string | undefined;
  log: Log;
  patientSide: () => PatientSide | undefined;
};

/** The Log counts lines it had to drop once it can (issue 12); until then there are none to count. */
function droppedLines(log: Log): number {
  return (log as unknown as { droppedLines?: number }).droppedLines ?? 0;
}

export class StaffPage {
  readonly metrics: ServerMetrics;
  private server: StaffServer | undefined;
  private watchers: Watchers | undefined;
  private probe: DatabaseProbe | undefined;

  constructor(private readonly options: StaffPageOptions) {
    this.metrics = new ServerMetrics({
      freeSlots: () => options.schedule.freeCount,
      openConnections: () => options.patientSide()?.openConnections ?? 0,
      logLinesDropped: () => droppedLines(options.log),
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
    const target = parseDbTarget(this.options.db);
    const probe = target.kind === "sqlite" ? new DatabaseProbe(target.path) : undefined;
    this.probe = probe;
    const databaseProblem = probe
      ? () => probe.problem()
      : () =>
          this.options.databaseProblem?.() ??
          (this.metrics.lastCommitFailed ? "the last booking could not be committed to the database" : undefined);
    this.server = new StaffServer({
      ...this.options.http,
      grid,
      watchers: this.watchers,
      auth: new StaffAuth(this.options.token),
      metrics: this.metrics,
      log,
      readiness: () => readiness(this.options.patientSide()?.listening ?? false, databaseProblem),
    });
    this.server.start();
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.probe?.close();
  }
}

/** --http HOST:PORT (":PORT" means loopback; port 0 picks a free one). */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`--http expects HOST:PORT (e.g. 127.0.0.1:8080), not ${JSON.stringify(text)}`);
  return { host: checkHostFlag("--http", m[1] ?? (m[2] || "127.0.0.1")), port: parsePortFlag("http", m[3], 0) };
}

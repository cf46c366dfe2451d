// The scale table: one row per schedule size (6, 100,000, 1,000,000 slots, half of them booked),
// each with its data written here. Start-up time and RSS of the compiled server, a whole
// `available` read by one prompt reader, `slots` pages of 100, and the durable booking rate
// under bench/loadgen.c.
import { join } from "node:path";
import { runSessionsC } from "./loadgen.ts";
import { readAvailable, slotsPages } from "./probes.ts";
import { cpuSeconds, rssMiB, start, stop, work, type Started } from "./procs.ts";
import { fixed, record } from "./report.ts";
import { writeBookings, writeScaleData } from "./scale-data.ts";

export const scales = [6, 100_000, 1_000_000];
const startups = 3;
const booking_concurrency = 64;
const slots_pages = 2_000;

/** `binary`: the server to measure (this build's, or a baseline's); `build` names it in the row. */
export type ScaleOptions = { loadgen: string; seconds: number; extraFlags: string[]; binary: string; build: string };

async function startServer(dir: string, db: string, o: ScaleOptions, log: string): Promise<Started> {
  return start(
    o.binary,
    ["--host", "127.0.0.1", "--port", "0", "--data", dir, "--db", db, "--bookings-per-patient", "0", ...o.extraFlags],
    /port number: (\d+)/,
    log,
  );
}

/** Median start-up of `startups` runs; the last server is left running and returned. */
async function medianStartup(
  dir: string,
  db: string,
  o: ScaleOptions,
  log: string,
): Promise<{ server: Started; ms: number; rss: number }> {
  const times: number[] = [];
  let server: Started | undefined;
  let rss = NaN;
  for (let i = 0; i < startups; i++) {
    if (server) await stop(server.proc);
    server = await startServer(dir, db, o, log);
    times.push(server.ms);
    rss = rssMiB(server.proc.pid);
  }
  times.sort((a, b) => a - b);
  return { server: server!, ms: times[Math.floor(times.length / 2)]!, rss };
}

/** `available` with every slot free (no bookings): the longest reply this schedule can give, cold and warm. */
export async function availableAllFree(slots: number, o: ScaleOptions): Promise<void> {
  const dir = join(work, `scale-${slots}-${o.build.replace(/\W/g, "")}`);
  const server = await startServer(
    dir,
    join(work, `all-free-${o.build.replace(/\W/g, "")}.db`),
    o,
    join(dir, "all-free.log"),
  );
  const pid = server.proc.pid;
  const rssBefore = rssMiB(pid);
  const cold = await readAvailable(server.port, () => rssMiB(pid));
  const warm = await readAvailable(server.port, () => rssMiB(pid));
  await stop(server.proc);
  record({
    scenario: `available, all ${slots} slots free, one prompt reader`,
    build: o.build,
    lines: warm.lines,
    bytes: warm.bytes,
    cold_ms: fixed(cold.ms, 1),
    warm_ms: fixed(warm.ms, 1),
    rss_growth_cold_mib: fixed(cold.peakRssGrowthMiB, 1),
    rss_growth_warm_mib: fixed(warm.peakRssGrowthMiB, 1),
    rss_before_mib: fixed(rssBefore, 0),
  });
}

export async function scaleRow(slots: number, o: ScaleOptions): Promise<void> {
  const dir = join(work, `scale-${slots}-${o.build.replace(/\W/g, "")}`);
  const db = join(dir, "bookings.db");
  writeScaleData(dir, slots, Math.min(100, Math.max(2, Math.floor(slots / 100))));
  // The upper half is booked; the booking run takes free slots from 1 upwards.
  const booked = writeBookings(db, Math.floor(slots / 2) + 1, slots);
  const { server, ms, rss } = await medianStartup(dir, db, o, join(dir, "server.log"));
  const pid = server.proc.pid;
  const cold = await readAvailable(server.port, () => rssMiB(pid));
  const warm = await readAvailable(server.port, () => rssMiB(pid));
  const pages = await slotsPages(server.port, slots, slots_pages);
  const free = slots - booked;
  let bookingRate: number | string = "n/a (too few free slots)";
  let bookingCpu: number | string = "n/a";
  let errors = 0;
  if (free >= 10_000) {
    const cpu0 = cpuSeconds(pid);
    const r = await runSessionsC(
      o.loadgen,
      server.port,
      { kind: "booking", slots: { next: 1 } },
      booking_concurrency,
      free,
      o.seconds,
    );
    bookingCpu = fixed(((cpuSeconds(pid) - cpu0) / Math.max(1, r.sessions + r.errors)) * 1e6, 1);
    bookingRate = Math.round(r.sessions / r.seconds);
    errors = r.errors;
  }
  await stop(server.proc);
  record({
    scenario: "scale",
    build: o.build,
    slots,
    booked,
    startup_ms: fixed(ms, 0),
    rss_mib: fixed(rss, 0),
    available_cold_ms: fixed(cold.ms, 1),
    available_warm_ms: fixed(warm.ms, 1),
    available_lines: warm.lines,
    available_bytes: warm.bytes,
    reader_rss_growth_mib: fixed(warm.peakRssGrowthMiB, 1),
    slots_page_p50_ms: typeof pages === "string" ? pages : fixed(pages.p50_ms, 3),
    slots_page_p99_ms: typeof pages === "string" ? pages : fixed(pages.p99_ms, 3),
    booking_sessions_per_s: bookingRate,
    booking_cpu_us_per_session: bookingCpu,
    booking_errors: errors,
  });
}

// What a live staff page costs the booking path: the same server (--http on, 100k slots) takes
// durable bookings from bench/loadgen.c with no page open and with one page watching the event
// stream (curl reading /api/events, as a browser would), in alternating rounds of the same run.
// The target: the page costs the booking rate less than 5%.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSessionsC } from "./loadgen.ts";
import { addRound, emptyTally, start, stop, waitForLine, work, type Tally } from "./procs.ts";
import { fixed, record } from "./report.ts";

const rounds = 3;
const concurrency = 64;

export async function staffPageCost(
  loadgen: string,
  dataDir: string,
  dataSlots: number,
  seconds: number,
  extraFlags: string[],
): Promise<void> {
  // Every round books fresh slots, capped so the schedule never runs out
  // (a full one answers notavailable, not a booking).
  const sessions_max = Math.floor((dataSlots - 10) / (rounds * 2));
  const log = join(work, "staff-page.log");
  const args = ["--host", "127.0.0.1", "--port", "0", "--data", dataDir, "--db", join(work, "staff-page.db")];
  args.push("--bookings-per-patient", "0", "--http", "127.0.0.1:0", ...extraFlags);
  const server = await start("healthcenterserver", args, /port number: (\d+)/, log);
  const page = (await waitForLine(log, /Staff page: (http:\/\/\S+?)\/ /))[1]!;
  const slots = { next: 1 };
  await runSessionsC(loadgen, server.port, { kind: "booking", slots }, 1, 1, 5);
  const tally = {
    without: emptyTally(),
    with: emptyTally(),
  };
  let eventsSeen = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so a drift on the shared cores hits both alike.
    for (const watched of round % 2 === 0 ? [false, true] : [true, false]) {
      const watch = watched ? { page, events: join(work, `staff-events-${round}.txt`) } : undefined;
      const into: Tally = watched ? tally.with : tally.without;
      eventsSeen += await measureRound(watch, async () => {
        await addRound(into, server.proc.pid, () =>
          runSessionsC(loadgen, server.port, { kind: "booking", slots }, concurrency, sessions_max, seconds),
        );
      });
    }
  }
  const rate = (t: Tally) => t.sessions / t.seconds;
  const cpuUs = (t: Tally) => (t.cpu / Math.max(1, t.sessions)) * 1e6;
  record({
    scenario:
      `booking with one live staff page vs none ` +
      `(100k slots, ${concurrency} patients, ${rounds} rounds each, same server)`,
    without_per_s: Math.round(rate(tally.without)),
    with_page_per_s: Math.round(rate(tally.with)),
    rate_cost_pct: fixed((1 - rate(tally.with) / rate(tally.without)) * 100, 1),
    cpu_us_without: fixed(cpuUs(tally.without), 1),
    cpu_us_with_page: fixed(cpuUs(tally.with), 1),
    change_events_sent: eventsSeen,
    errors: tally.without.errors + tally.with.errors,
  });
  await stop(server.proc);
}

/** Runs one round, with a page watching the event stream when `watch` is given; returns the change events it saw. */
async function measureRound(watch: { page: string; events: string } | undefined, run: () => Promise<void>) {
  if (!watch) {
    await run();
    return 0;
  }
  const { page, events } = watch;
  const watcher = Bun.spawn(["curl", "-sN", `${page}/api/events`], { stdout: Bun.file(events), stderr: "ignore" });
  await waitForLine(events, /event: snapshot/);
  await run();
  await Bun.sleep(200); // the last batch of changes
  watcher.kill();
  await watcher.exited;
  return existsSync(events) ? readFileSync(events, "utf8").split("\nevent: changes\n").length - 1 : 0;
}

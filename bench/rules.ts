// What the clinic's rules (issue 23: min notice, max ahead, cancel cut-off) cost a booking, end to end
// over TCP, in one run: two servers on the same calendar (400 doctors, weekdays 09:00-17:00 in
// 15-minute slots, 5 weeks), started the same way from source, one with every rule on (set so that
// none refuses: each booking passes every check in its transaction), one with none. Rounds alternate
// which goes first (a busy moment of the machine falls on both alike); each round's on/off ratio is
// paired and the median is the measure, at 1 and 8 connections. Target: at least 0.9. Beside it, the
// rules' own cost without the network or the disk's noise: the same calendar store in process, batches
// committed in turn with the rules on and off, the process's CPU per booking for each.
// Part `rules` of `bun run bench`; alone: `bun bench/rules.ts [SECONDS_PER_LEVEL]`.
import { join } from "node:path";
import { bookingRate, calendarDb } from "./calendar-server.ts";
import { availableIds } from "./line-client.ts";
import type { PartContext } from "./part.ts";
import { root, start, stop, stopAll, work, type Started } from "./procs.ts";
import { record } from "./report.ts";
import { checkTarget, reportTargets } from "./targets.ts";
import { openCalendar } from "../roles/healthcenterserver/store/open-calendar.ts";
import type { Change } from "../roles/healthcenterserver/store/appointment-store.ts";
import { Log } from "../shared/log.ts";

/** Enough free slots (400 doctors, 5 weeks: 320,000) that no level runs out at 13,000 bookings a second. */
const calendar_doctors = 400;

const rounds = 9;
/** Seconds per level at least: rounds much under 1.5 s at 1 connection (fsync-bound) gave ratios from 0.76 to 1.2. */
const seconds_min = 14;
type Side = "off" | "on";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Every rule on, none in the way of a slot of the next five weeks (that has not started). */
const every_rule = ["--min-notice", "1m", "--max-ahead", "104w", "--cancel-cutoff", "1m"];

/** The clinic's rules on and off in one process: CPU per booking of the calendar store's commits. */
async function inProcess(): Promise<void> {
  const log = new Log({ quiet: true });
  const open = async (side: Side) => {
    const dbPath = join(work, `rules-store-${side}.db`);
    await calendarDb(dbPath, 150);
    const settings = { dbPath, dbPasswordFile: undefined, dbWaitMs: 0, bookingsPerPatient: 0 };
    const policy = side === "on" ? { min_notice: 1, max_ahead: 104 * 10080, cancel_cutoff: 1 } : undefined;
    return (await openCalendar({ ...settings, timeZone: "UTC", horizonWeeks: 5, policy }, log))!;
  };
  const stores = { off: await open("off"), on: await open("on") };
  const ids = stores.off.schedule.freePage({ after: 0, limit: 1_000_000 }).map((s) => s.index);
  const batch = 8;
  const cpu = { off: 0, on: 0 };
  const ms = { off: 0, on: 0 };
  let n = 0;
  for (let i = 0; i + batch <= Math.min(ids.length, 16_000); i += batch, n += batch)
    for (const side of (i / batch) % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
      const changes: Change[] = ids.slice(i, i + batch).map((index, k) => ({ kind: "book", index, patient: `p${k}` }));
      const used = process.cpuUsage();
      const t0 = performance.now();
      await stores[side].store.commit(changes);
      ms[side] += performance.now() - t0;
      const spent = process.cpuUsage(used);
      cpu[side] += spent.user + spent.system;
    }
  for (const side of ["off", "on"] as const) await stores[side].store.close();
  record({
    scenario: "the clinic's rules in process: the calendar store's commits, batches of 8 in turn",
    bookings: n,
    cpu_us_per_booking_off: +(cpu.off / n).toFixed(1),
    cpu_us_per_booking_on: +(cpu.on / n).toFixed(1),
    wall_ratio_on_to_off: +(ms.off / ms.on).toFixed(3),
  });
}

export async function rulesBench(ctx: Pick<PartContext, "seconds" | "extraFlags">): Promise<void> {
  await inProcess();
  const base = ["--host", "127.0.0.1", "--port", "0", "--bookings-per-patient", "0", "--time-zone", "UTC"];
  const servers = {} as Record<Side, Started & { ids: number[] }>;
  for (const side of ["off", "on"] as const) {
    const db = join(work, `rules-${side}.db`);
    await calendarDb(db, calendar_doctors);
    const flags = [join(root, "roles", "healthcenterserver.ts"), ...base, "--db", db, "--horizon-weeks", "5"];
    if (side === "on") flags.push(...every_rule);
    const s = await start(
      process.execPath,
      [...flags, ...ctx.extraFlags],
      /port number: (\d+)/,
      join(work, `rules-${side}.log`),
    );
    servers[side] = { ...s, ids: await availableIds(s.port) };
  }
  const round_s = Math.max(ctx.seconds, seconds_min) / rounds;
  try {
    for (const connections of [1, 8]) {
      const rate: Record<Side, number[]> = { off: [], on: [] };
      for (let round = 0; round < rounds; round++)
        for (const side of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const))
          rate[side].push(await bookingRate(servers[side].port, servers[side].ids, connections, round_s));
      const ratio = +median(rate.on.map((x, i) => x / rate.off[i]!)).toFixed(3);
      record({
        scenario: `the clinic's rules: booking at ${connections} connections (median of ${rounds} alternated rounds)`,
        off_per_s: Math.round(median(rate.off)),
        on_per_s: Math.round(median(rate.on)),
        rules_ratio: ratio,
      });
      checkTarget(`booking with every rule on / off at ${connections} (issue 23)`, ratio, 0.9, true);
    }
  } finally {
    for (const side of ["off", "on"] as const) await stop(servers[side].proc);
  }
}

if (import.meta.main) {
  const ask = { seconds: Number(process.argv[2] ?? 7), extraFlags: ["--quiet"] };
  const ok = await rulesBench(ask).then(reportTargets, (err) => (console.error(err), false));
  await stopAll(ok ? "SIGTERM" : "SIGKILL");
  process.exit(ok ? 0 : 1);
}

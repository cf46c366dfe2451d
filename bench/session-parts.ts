// The session scenarios of `bun run bench`: read-mostly, mixed, soak and the naive reference on small
// schedules; durable booking and `available` on 100,000 slots over 100 doctors (one server shared by
// both), and the parts that book on the same data (staff page, PostgreSQL, contention).
import { join } from "node:path";
import { availableLatency } from "./latency.ts";
import { runSessions } from "./loadgen.ts";
import { sessionScenario, type PartContext } from "./part.ts";
import { pgContention } from "./pg-contention.ts";
import { postgresBooking } from "./postgres.ts";
import { rssMiB, start, work, type Started } from "./procs.ts";
import { record } from "./report.ts";
import { writeBigData } from "./scale-data.ts";
import { staffPageCost } from "./staff-page.ts";

/** Slots of the durable-booking schedule (100 doctors). */
const big_slots = 100_000;
const server = (s: Started) => ({ pid: s.proc.pid!, port: s.port });
const base = (db: string) => ["--host", "127.0.0.1", "--port", "0", "--db", join(work, db)];

/** Read-mostly sessions on the seed schedule, slot 1 already booked. */
export async function readMostly(ctx: PartContext) {
  const seed = await start(
    "healthcenterserver",
    [...base("seed.db"), ...ctx.extraFlags],
    /port number: (\d+)/,
    join(work, "seed.log"),
  );
  await runSessions(seed.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5);
  await sessionScenario(ctx, "read-mostly (seed)", server(seed), () => ({ kind: "read-mostly", bookedSlot: 1 }));
}

/** Patients who manage their appointments: each session books a fresh slot, lists its own, moves it
 * to another fresh slot and cancels that (three commits). */
export async function mixed(ctx: PartContext) {
  const dir = join(work, "mixed-data");
  writeBigData(dir, 200_000, 100);
  const flags = [...base("mixed.db"), "--data", dir, "--bookings-per-patient", "0", ...ctx.extraFlags];
  const mixedServer = await start("healthcenterserver", flags, /port number: (\d+)/, join(work, "mixed.log"));
  const slots = { next: 1 };
  await sessionScenario(ctx, "mixed: book, mine, move, cancel (200k slots)", server(mixedServer), () => ({
    kind: "mixed",
    slots,
  }));
}

export async function naiveReference(ctx: PartContext) {
  const naive = await start("naive-server.ts", [], /port number: (\d+)/, join(work, "naive.log"));
  await sessionScenario(ctx, "read-mostly, naive reference", server(naive), () => ({
    kind: "read-mostly",
    bookedSlot: 1,
  }));
}

/** Memory over a longer run: RSS after each of several rounds should level off, not climb. */
export async function soak(ctx: PartContext) {
  const s = await start(
    "healthcenterserver",
    [...base("soak.db"), ...ctx.extraFlags],
    /port number: (\d+)/,
    join(work, "soak.log"),
  );
  await runSessions(s.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5);
  const rss: number[] = [];
  let total = 0;
  for (let round = 0; round < 6; round++) {
    const r = await runSessions(s.port, { kind: "read-mostly", bookedSlot: 1 }, 64, ctx.sessionsMax, ctx.seconds);
    total += r.sessions;
    rss.push(+rssMiB(s.proc.pid).toFixed(1));
  }
  record({ scenario: "soak: read-mostly at 64, RSS MiB after each round", sessions: total, rss_mib: rss.join(" → ") });
}

let bigDir: string | undefined;
/** The 100,000 slots' data directory, written once for every part that books on it. */
export function bigData(): string {
  if (bigDir) return bigDir;
  bigDir = join(work, "big");
  writeBigData(bigDir, big_slots, 100);
  return bigDir;
}

/** Slot numbers handed out to the big server's bookings (every one confirmed: errors show in the rows). */
const bigSlots = { next: 1 };
let big: Started | undefined;
async function bigServer(ctx: PartContext): Promise<Started> {
  big ??= await start(
    "healthcenterserver",
    [...base("big.db"), "--data", bigData(), "--bookings-per-patient", "0", ...ctx.extraFlags],
    /port number: (\d+)/,
    join(work, "big.log"),
  );
  return big;
}

export async function booking(ctx: PartContext) {
  const s = await bigServer(ctx);
  await sessionScenario(ctx, "booking (100k slots)", server(s), () => ({ kind: "booking", slots: bigSlots }));
}

export async function available(ctx: PartContext) {
  const s = await bigServer(ctx);
  const nextSlot = () => bigSlots.next++;
  await availableLatency(s.port, false, nextSlot);
  await availableLatency(s.port, true, nextSlot);
}

/** Bookings handed out, and those stored in big.db (NaN when neither booking part ran). */
export async function bookedAndStored(): Promise<{ booked: number; stored: number }> {
  if (!big) return { booked: 0, stored: NaN };
  await Bun.sleep(50);
  const count = Bun.spawnSync(["sqlite3", join(work, "big.db"), "select count(*) from bookings"]).stdout.toString();
  return { booked: bigSlots.next - 1, stored: Number(count || NaN) };
}

/** The same durable booking with one live staff page watching, against none, in the same run. */
export const staffPage = (ctx: PartContext) =>
  staffPageCost(ctx.loadgen, bigData(), big_slots, ctx.seconds, ctx.extraFlags);

/** PostgreSQL as the store: one instance, then two sharing it. */
export const postgres = (ctx: PartContext) =>
  postgresBooking(bigData(), {
    seconds: ctx.seconds,
    levels: ctx.levels,
    sessionsMax: ctx.sessionsMax,
    extraFlags: ctx.extraFlags,
  });

export const contention = (ctx: PartContext) =>
  pgContention(bigData(), { seconds: ctx.seconds, extraFlags: ctx.extraFlags });

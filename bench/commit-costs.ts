// What the audit trail and the outbox cost a booking, end to end over TCP, in one run (issues 24, 25):
// three servers on the same calendar (400 doctors, a month), started the same way from source:
//   plain:  the server with its audit appends made no-ops (bench/server-without-audit.ts), no outbox;
//   audit:  the server as shipped (every booking's audit record in its transaction), no outbox;
//   outbox: as shipped with a webhook (each booking's audit record also carries its calendar event; the
//           follower turns the records into confirmation and reminder rows after the commits, and the
//           sender posts the confirmations to a receiver in a process of its own; both yield to bookings).
// Short rounds rotate the three (a busy moment of the machine falls on each alike); each side's rate
// over all its rounds gives audit/plain and outbox/audit. Then each server's CPU per booking over the
// whole run, the sender's posts included (waited for, bounded).
// Run alone: `bun bench/commit-costs.ts [SECONDS_PER_LEVEL]`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { embedded } from "../shared/fixtures.ts";
import { bookingRound, calendarDb } from "./calendar-server.ts";
import { availableIds } from "./line-client.ts";
import { cpuSeconds, mainThreadCpuSeconds, root, start, stop, stopAll, work, type Started } from "./procs.ts";
import { record } from "./report.ts";
import { checkTarget, reportTargets } from "./targets.ts";

/** Enough free slots (400 doctors, 5 weeks: 320,000) that no level runs out at 13,000 bookings a second. */
const calendar_doctors = 400;

/** Short rounds, many of them, rotated: the machine's load changes from second to second. */
const rounds = 15;
type Side = "plain" | "audit" | "outbox";

/** The seed's users, patient1 and patient2 with a phone (every message is really posted), and the config. */
function notifyFiles(receiverPort: number): string {
  writeFileSync(join(work, "hook.secret"), "bench-secret\n");
  writeFileSync(
    join(work, "notify.toml"),
    `[notify]\nwebhook = "http://127.0.0.1:${receiverPort}/"\nwebhook_secret_file = "hook.secret"\nquiet = "none"\n`,
  );
  const data = join(work, "notify-data");
  mkdirSync(data, { recursive: true });
  for (const [name, text] of Object.entries(embedded)) writeFileSync(join(data, name), text);
  for (const p of ["patient1", "patient2"])
    writeFileSync(join(data, `${p}insurance.txt`), "insurance1\nphone +15550100\n");
  return data;
}

async function posted(port: number): Promise<number> {
  return Number(await (await fetch(`http://127.0.0.1:${port}/count`)).text());
}

type Ask = { seconds: number; extraFlags: string[]; wanted: (part: string) => boolean };
let done = false;

/** `part`: audit (plain and audit sides) or outbox (audit and outbox sides); both asked: one run of the three. */
export async function commitCosts(ask: Ask, part: "audit" | "outbox"): Promise<void> {
  if (done) return;
  done = true;
  const audit = part === "audit" || ask.wanted("audit");
  const outbox = part === "outbox" || ask.wanted("outbox");
  const sides: Side[] = [...(audit ? ["plain" as const] : []), "audit", ...(outbox ? ["outbox" as const] : [])];
  await measure(sides, ask.seconds, ask.extraFlags);
}

type Servers = Record<Side, Started & { ids: number[] }>;

async function measure(sides: Side[], seconds: number, extraFlags: string[]): Promise<void> {
  const receiver = await start("webhook-receiver.ts", [], /receiver port: (\d+)/, join(work, "receiver.log"));
  const servers = await startServers(sides, notifyFiles(receiver.port), extraFlags);
  const booked: Record<Side, number> = { plain: 0, audit: 0, outbox: 0 };
  const cpu0 = Object.fromEntries(sides.map((s) => [s, cpuSeconds(servers[s].proc.pid)])) as Record<Side, number>;
  for (const connections of [1, 8]) {
    const r = await level(servers, sides, connections, seconds);
    for (const side of sides) booked[side] += r.booked[side];
  }
  for (let i = 0; i < 600 && (await posted(receiver.port)) < booked.outbox * 0.99; i++) await Bun.sleep(100);
  const us = (side: Side) => ((cpuSeconds(servers[side].proc.pid) - cpu0[side]) / booked[side]) * 1e6;
  record({
    scenario: "commit costs: server CPU µs per booking over the run (the sender's posts included)",
    ...Object.fromEntries(sides.map((side) => [`${side}_us`, Math.round(us(side))])),
    webhooks_posted: await posted(receiver.port),
  });
  for (const side of sides) await stop(servers[side].proc);
  await stop(receiver.proc);
}

async function startServers(sides: Side[], data: string, extraFlags: string[]): Promise<Servers> {
  const entry = (side: Side) =>
    side === "plain" ? join(root, "bench", "server-without-audit.ts") : join(root, "roles", "healthcenterserver.ts");
  const base = ["--host", "127.0.0.1", "--port", "0", "--bookings-per-patient", "0", "--time-zone", "UTC"];
  const servers = {} as Servers;
  for (const side of sides) {
    const db = join(work, `commit-${side}.db`);
    await calendarDb(db, calendar_doctors);
    const flags = [entry(side), ...base, "--db", db, "--data", data, "--horizon-weeks", "5", ...extraFlags];
    if (side === "outbox") flags.push("--config", join(work, "notify.toml"));
    const s = await start(process.execPath, flags, /port number: (\d+)/, join(work, `commit-${side}.log`));
    servers[side] = { ...s, ids: await availableIds(s.port) };
  }
  return servers;
}

type Tally = { booked: number; seconds: number; cpu: number; main: number };

/** Rotated rounds at one concurrency: each side's bookings, seconds and server CPU over all its rounds. */
async function level(servers: Servers, sides: Side[], connections: number, seconds: number) {
  const t = Object.fromEntries(sides.map((s) => [s, { booked: 0, seconds: 0, cpu: 0, main: 0 }])) as Record<
    Side,
    Tally
  >;
  for (let round = 0; round < rounds; round++)
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length]!;
      const pid = servers[side].proc.pid;
      const [cpu0, main0] = [cpuSeconds(pid), mainThreadCpuSeconds(pid)];
      const r = await bookingRound(servers[side].port, servers[side].ids, connections, seconds / rounds);
      t[side].cpu += cpuSeconds(pid) - cpu0;
      t[side].main += mainThreadCpuSeconds(pid) - main0;
      t[side].booked += r.booked;
      t[side].seconds += r.seconds;
    }
  ratios(t, sides, connections);
  return { booked: Object.fromEntries(sides.map((s) => [s, t[s].booked])) as Record<Side, number> };
}

/**
 * Each side's rate over all its rounds (bookings / seconds booking), and on / off, checked against 0.9:
 * rounds rotated, so the two sides of a ratio had the machine's busy and quiet moments alike. (The
 * median of per-round ratios was tried: rounds this short on a shared machine scatter it by +-0.3.)
 */
function ratios(t: Record<Side, Tally>, sides: Side[], connections: number) {
  const rate = (side: Side) => t[side].booked / t[side].seconds;
  const cpuUs = (side: Side) => Math.round((t[side].cpu / t[side].booked) * 1e6);
  const mainUs = (side: Side) => Math.round((t[side].main / t[side].booked) * 1e6);
  const ratio = (on: Side, off: Side) => +(rate(on) / rate(off)).toFixed(3);
  const row = record({
    scenario: `commit costs: booking at ${connections} connections (${rounds} rotated rounds each)`,
    ...Object.fromEntries(sides.map((side) => [`${side}_per_s`, Math.round(rate(side))])),
    ...(sides.includes("plain") ? { audit_ratio: ratio("audit", "plain") } : {}),
    ...(sides.includes("outbox") ? { outbox_ratio: ratio("outbox", "audit") } : {}),
    // The server's CPU per booking during the rounds (the sender's posts then included): less moved by
    // the machine's other load than the rates are; off / on is the ratio a CPU-bound server would show.
    ...Object.fromEntries(sides.map((side) => [`${side}_cpu_us`, cpuUs(side)])),
    // Of it, the main thread's alone (the bookings' thread; the others are the GC's helpers and Bun's I/O):
    // the steadiest of these measures on a shared machine (docs/PERFORMANCE.md, issue 25, stop 32).
    ...Object.fromEntries(sides.map((side) => [`${side}_main_us`, mainUs(side)])),
  });
  if (row.audit_ratio !== undefined)
    checkTarget(`booking with the audit on / off at ${connections} (issue 25)`, row.audit_ratio, 0.9, true);
  if (row.outbox_ratio !== undefined)
    checkTarget(`booking with the outbox on / off at ${connections} (issue 24)`, row.outbox_ratio, 0.9, true);
}

if (import.meta.main) {
  const ask = { seconds: Number(process.argv[2] ?? 7), extraFlags: ["--quiet"], wanted: () => true };
  const ok = await commitCosts(ask, "audit").then(reportTargets, (err) => (console.error(err), false));
  await stopAll(ok ? "SIGTERM" : "SIGKILL");
  process.exit(ok ? 0 : 1);
}

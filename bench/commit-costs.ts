// What the audit trail and the outbox cost a booking, end to end over TCP, in one run (issues 24, 25):
// three servers on the same calendar (150 doctors, a month), started the same way from source:
//   plain:  the server with its audit appends made no-ops (bench/server-without-audit.ts), no outbox;
//   audit:  the server as shipped (every booking's audit record in its transaction), no outbox;
//   outbox: as shipped with a webhook (each booking also writes its confirmation and reminder in its
//           transaction; the sender posts the confirmation to a receiver in a process of its own).
// Rounds rotate the three (a busy moment of the machine falls on each alike); each round's ratios
// audit/plain and outbox/audit are paired, and their median is the measure. Then each server's CPU
// per booking over the whole run, the sender's posts included (waited for, bounded).
// Run alone: `bun bench/commit-costs.ts [SECONDS_PER_LEVEL]`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { embedded } from "../shared/fixtures.ts";
import { bookingRound, calendarDb } from "./calendar-server.ts";
import { lineClient } from "./line-client.ts";
import { cpuSeconds, root, start, stop, stopAll, work, type Started } from "./procs.ts";
import { record } from "./report.ts";
import { checkTarget, reportTargets } from "./targets.ts";

/** Short rounds, many of them, rotated: the machine's load changes from second to second. */
const rounds = 15;
type Side = "plain" | "audit" | "outbox";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function ids(port: number): Promise<number[]> {
  const c = await lineClient(port);
  const list = (await c.ask("available", true))
    .split("\n")
    .filter(Boolean)
    .map((l) => Number(l.split(" ")[0]));
  c.close();
  return list;
}

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
    await calendarDb(db, 150);
    const flags = [entry(side), ...base, "--db", db, "--data", data, "--horizon-weeks", "5", ...extraFlags];
    if (side === "outbox") flags.push("--config", join(work, "notify.toml"));
    const s = await start(process.execPath, flags, /port number: (\d+)/, join(work, `commit-${side}.log`));
    servers[side] = { ...s, ids: await ids(s.port) };
  }
  return servers;
}

/** Rotated rounds at one concurrency: each side's rate per round, and its CPU per booking over the rounds. */
async function level(servers: Servers, sides: Side[], connections: number, seconds: number) {
  const rate: Record<Side, number[]> = { plain: [], audit: [], outbox: [] };
  const booked: Record<Side, number> = { plain: 0, audit: 0, outbox: 0 };
  const cpu: Record<Side, number> = { plain: 0, audit: 0, outbox: 0 };
  for (let round = 0; round < rounds; round++)
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length]!;
      const cpu0 = cpuSeconds(servers[side].proc.pid);
      const r = await bookingRound(servers[side].port, servers[side].ids, connections, seconds / rounds);
      cpu[side] += cpuSeconds(servers[side].proc.pid) - cpu0;
      rate[side].push(r.booked / r.seconds);
      booked[side] += r.booked;
    }
  const cpuUs = Object.fromEntries(sides.map((s) => [s, (cpu[s] / booked[s]) * 1e6])) as Record<Side, number>;
  ratios(rate, cpuUs, sides, connections);
  return { booked };
}

/** Each round's on/off ratio (the two sides measured in the same round), their median checked against 0.9. */
function ratios(rate: Record<Side, number[]>, cpuUs: Record<Side, number>, sides: Side[], connections: number) {
  const ratio = (a: Side, b: Side) => +median(rate[a].map((x, i) => x / rate[b][i]!)).toFixed(3);
  const row = record({
    scenario: `commit costs: booking at ${connections} connections (median of ${rounds} rotated rounds)`,
    ...Object.fromEntries(sides.map((side) => [`${side}_per_s`, Math.round(median(rate[side]))])),
    ...(sides.includes("plain") ? { audit_ratio: ratio("audit", "plain") } : {}),
    ...(sides.includes("outbox") ? { outbox_ratio: ratio("outbox", "audit") } : {}),
    // The server's CPU per booking during the rounds (the sender's posts then included): less moved by
    // the machine's other load than the rates are.
    ...Object.fromEntries(sides.map((side) => [`${side}_cpu_us`, Math.round(cpuUs[side])])),
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

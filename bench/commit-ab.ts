// A/B of booking servers end to end over TCP, as bench/commit-costs.ts measures them, for any number of
// servers (an older checkout's, a variant's): each side is a server's entry (a .ts run with this Bun)
// and optional environment, started on a calendar of its own; short rounds rotate them at 1 and 8
// connections, and each side's rate over all its rounds is printed over the first side's, with its
// server CPU per booking during the rounds.
//   bun bench/commit-ab.ts SECONDS_PER_LEVEL NAME=ENTRY.ts[:VAR=VALUE,...] NAME=...
//   e.g. bun bench/commit-ab.ts 10 plain=bench/server-without-audit.ts audit=roles/healthcenterserver.ts
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { embedded } from "../shared/fixtures.ts";
import { bookingRound, calendarDb } from "./calendar-server.ts";
import { availableIds } from "./line-client.ts";
import { cpuSeconds, mainThreadCpuSeconds, start, stop, stopAll, work, type Started } from "./procs.ts";

const rounds = 15;
type Side = { name: string; server: Started; ids: number[] };
type Tally = { booked: number; seconds: number; cpu: number; main: number };

/** The seed's users (patient1 signs in), as the server's data folder. */
function seedData(): string {
  const data = join(work, "ab-data");
  mkdirSync(data, { recursive: true });
  for (const [name, text] of Object.entries(embedded)) writeFileSync(join(data, name), text);
  return data;
}

async function startSide(spec: string): Promise<Side> {
  const name = spec.slice(0, spec.indexOf("="));
  const rest = spec.slice(spec.indexOf("=") + 1);
  const [entry = "", vars = ""] = rest.split(":");
  const db = join(work, `ab-${name}.db`);
  await calendarDb(db, 400);
  const data = seedData();
  const saved = { ...process.env };
  for (const kv of vars.split(",").filter(Boolean))
    process.env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  const flags = [resolve(entry), "--host", "127.0.0.1", "--port", "0", "--bookings-per-patient", "0"];
  flags.push("--time-zone", "UTC", "--db", db, "--data", data, "--horizon-weeks", "5", "--quiet");
  const server = await start(process.execPath, flags, /port number: (\d+)/, join(work, `ab-${name}.log`));
  process.env = saved;
  return { name, server, ids: await availableIds(server.port) };
}

async function level(sides: Side[], connections: number, seconds: number): Promise<void> {
  const t = sides.map((): Tally => ({ booked: 0, seconds: 0, cpu: 0, main: 0 }));
  for (let round = 0; round < rounds; round++)
    for (let k = 0; k < sides.length; k++) {
      const i = (round + k) % sides.length;
      const { server, ids } = sides[i]!;
      const cpu0 = cpuSeconds(server.proc.pid);
      const main0 = mainThreadCpuSeconds(server.proc.pid);
      const r = await bookingRound(server.port, ids, connections, seconds / rounds);
      t[i]!.cpu += cpuSeconds(server.proc.pid) - cpu0;
      t[i]!.main += mainThreadCpuSeconds(server.proc.pid) - main0;
      t[i]!.booked += r.booked;
      t[i]!.seconds += r.seconds;
    }
  const rate = (i: number) => t[i]!.booked / t[i]!.seconds;
  const parts = sides.map(
    (s, i) =>
      `${s.name} ${Math.round(rate(i))}/s ${(rate(i) / rate(0)).toFixed(3)} ` +
      `${Math.round((t[i]!.cpu / t[i]!.booked) * 1e6)}µs (main ${Math.round((t[i]!.main / t[i]!.booked) * 1e6)})`,
  );
  console.log(`${connections}: ${parts.join(" | ")}`);
}

const [seconds, ...specs] = process.argv.slice(2);
if (!seconds || specs.length < 2) {
  console.error("usage: bun bench/commit-ab.ts SECONDS_PER_LEVEL NAME=ENTRY.ts[:VAR=VALUE,...] NAME=...");
  process.exit(2);
}
const sides: Side[] = [];
for (const spec of specs) sides.push(await startSide(spec));
for (const connections of (process.env.LEVELS ?? "1,8").split(",").map(Number))
  await level(sides, connections, Number(seconds));
for (const s of sides) await stop(s.server.proc);
if (process.env.SHOW_ERR)
  for (const s of sides)
    console.log(
      s.name,
      readFileSync(join(work, `ab-${s.name}.log.err`), "utf8")
        .trim()
        .split("\n")
        .slice(-2),
    );
await stopAll("SIGTERM");

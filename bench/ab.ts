// A/B of server builds beside the bare Bun server (bench/naive-server.ts), under bench/loadgen.c, in rotating
// rounds: each round's CPU per read-mostly session of every build over the naive server's in the same round,
// and the second build's over the first's, as medians of the rounds' own ratios (neighbours on the shared
// cores spoil a round, not the median). Needs cc.
//   bun bench/ab.ts ROUNDS SECONDS NAME=/path/to/healthcenterserver[:flag,flag...] NAME=...
//   e.g. bun bench/ab.ts 9 3 before=/tmp/old/healthcenterserver:--quiet after=dist/healthcenterserver:--quiet
// LEVELS=8,64 (the default) sets the concurrent patients.
import { join, resolve } from "node:path";
import { runSessionsC } from "./loadgen.ts";
import { addRound, compileC, emptyTally, start, stopAll, type Started, type Tally, work } from "./procs.ts";

const read = { kind: "read-mostly", bookedSlot: 1 } as const;
const us = (t: Tally) => (t.cpu / Math.max(1, t.sessions + t.errors)) * 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const shown = (xs: number[]) => `median ${median(xs).toFixed(3)} [${xs.map((x) => x.toFixed(3)).join(" ")}]`;

async function startAll(specs: string[], loadgen: string): Promise<[string, Started][]> {
  const servers: [string, Started][] = [];
  for (const spec of specs) {
    const [name, rest = ""] = spec.split("=");
    const [binary = "", flags] = rest.split(":");
    const args = ["--host", "127.0.0.1", "--port", "0", "--db", join(work, `${name}.db`), ...(flags?.split(",") ?? [])];
    const server = await start(resolve(binary), args, /port number: (\d+)/, join(work, `${name}.log`));
    await runSessionsC(loadgen, server.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5); // slot 1 taken
    servers.push([name!, server]);
  }
  servers.push(["naive", await start("naive-server.ts", [], /port number: (\d+)/, join(work, "naive.log"))]);
  // Past the JIT's one-off compiling (see compare.ts).
  for (const [, server] of servers) await runSessionsC(loadgen, server.port, read, 8, 40_000, 10);
  return servers;
}

async function level(servers: [string, Started][], loadgen: string, concurrency: number, rounds: number, s: number) {
  const ratios = new Map<string, number[]>(servers.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const one = new Map<string, Tally>();
    for (let k = 0; k < servers.length; k++) {
      const [name, server] = servers[(k + round) % servers.length]!;
      const tally = emptyTally();
      await addRound(tally, server.proc.pid, () => runSessionsC(loadgen, server.port, read, concurrency, 200_000, s));
      one.set(name, tally);
    }
    for (const [name] of servers) ratios.get(name)!.push(us(one.get(name)!) / us(one.get("naive")!));
  }
  for (const [name] of servers.slice(0, -1)) console.log(`${concurrency}: ${name} / naive ${shown(ratios.get(name)!)}`);
  if (servers.length < 3) return;
  const [a, b] = [ratios.get(servers[0]![0])!, ratios.get(servers[1]![0])!];
  console.log(`${concurrency}: ${servers[1]![0]} / ${servers[0]![0]} ${shown(b.map((x, i) => x / a[i]!))}`);
}

const [rounds, seconds, ...specs] = process.argv.slice(2);
if (!rounds || !seconds || specs.length === 0) {
  console.error("usage: bun bench/ab.ts ROUNDS SECONDS NAME=/path/to/healthcenterserver[:flag,...] ...");
  process.exit(2);
}
const loadgen = compileC("loadgen");
const servers = await startAll(specs, loadgen);
for (const concurrency of (process.env.LEVELS ?? "8,64").split(",").map(Number))
  await level(servers, loadgen, concurrency, Number(rounds), Number(seconds));
await stopAll("SIGTERM");

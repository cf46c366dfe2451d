// CPU per read-mostly session: our compiled server against bench/ref-server.c (a minimal C epoll
// server of the classic protocol), both driven by bench/loadgen.c in the same run; beside them
// bench/naive-server.ts, the protocol in the fewest lines of Bun, which shows Bun's own floor.
// They are measured in rotating rounds so a noisy neighbour on the shared cores hits all alike.
import { join } from "node:path";
import { runSessionsC } from "./loadgen.ts";
import { compileC, cpuSeconds, start, stop, work, type Started } from "./procs.ts";
import { fixed, record } from "./report.ts";

const levels = [8, 64];
const rounds = 2;
const sessions_max = 200_000;

type Tally = { cpu: number; sessions: number; seconds: number; errors: number };
type Name = "ours" | "ref" | "naive" | "baseline";

async function measure(
  server: Started,
  loadgen: string,
  concurrency: number,
  seconds: number,
  into: Tally,
): Promise<void> {
  const cpu0 = cpuSeconds(server.proc.pid);
  const r = await runSessionsC(
    loadgen,
    server.port,
    { kind: "read-mostly", bookedSlot: 1 },
    concurrency,
    sessions_max,
    seconds,
  );
  into.cpu += cpuSeconds(server.proc.pid) - cpu0;
  into.sessions += r.sessions;
  into.seconds += r.seconds;
  into.errors += r.errors;
}

/** `baseline`: an earlier build's server binary, measured in the same rounds (before/after ratios). */
export async function compareWithC(
  loadgen: string,
  seconds: number,
  extraFlags: string[],
  baseline?: string,
): Promise<void> {
  const ours = await start(
    "healthcenterserver",
    ["--host", "127.0.0.1", "--port", "0", "--db", join(work, "compare.db"), ...extraFlags],
    /port number: (\d+)/,
    join(work, "compare.log"),
  );
  const ref = await start(compileC("ref-server"), [], /port number: (\d+)/, join(work, "ref-server.log"));
  const naive = await start("naive-server.ts", [], /port number: (\d+)/, join(work, "naive-compare.log"));
  const servers: [Name, Started][] = [
    ["ours", ours],
    ["ref", ref],
    ["naive", naive],
  ];
  if (baseline)
    servers.push([
      "baseline",
      await start(
        baseline,
        ["--host", "127.0.0.1", "--port", "0", "--db", join(work, "compare-baseline.db"), ...extraFlags],
        /port number: (\d+)/,
        join(work, "compare-baseline.log"),
      ),
    ]);
  for (const [name, server] of servers)
    if (name !== "naive") await runSessionsC(loadgen, server.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5);
  for (const concurrency of levels) {
    const tally = Object.fromEntries(
      servers.map(([name]) => [name, { cpu: 0, sessions: 0, seconds: 0, errors: 0 }]),
    ) as Record<Name, Tally>;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < servers.length; k++) {
        const [name, server] = servers[(k + round) % servers.length]!;
        await measure(server, loadgen, concurrency, seconds, tally[name]);
      }
    }
    recordComparison(concurrency, tally, baseline !== undefined);
  }
  await stop(ours.proc);
  await stop(ref.proc);
  for (const [name, server] of servers) if (name === "baseline") await stop(server.proc);
  await stop(naive.proc);
}

function recordComparison(concurrency: number, tally: Record<Name, Tally>, baseline: boolean): void {
  const us = (t: Tally) => (t.cpu / Math.max(1, t.sessions + t.errors)) * 1e6;
  record({
    scenario: "CPU per read-mostly session vs the C epoll reference (all under loadgen.c)",
    concurrency,
    ours_us: fixed(us(tally.ours), 1),
    c_reference_us: fixed(us(tally.ref), 1),
    ratio: fixed(us(tally.ours) / us(tally.ref), 2),
    naive_bun_us: fixed(us(tally.naive), 1),
    naive_bun_ratio: fixed(us(tally.naive) / us(tally.ref), 2),
    ours_per_s: Math.round(tally.ours.sessions / tally.ours.seconds),
    c_reference_per_s: Math.round(tally.ref.sessions / tally.ref.seconds),
    ...(baseline
      ? {
          baseline_us: fixed(us(tally.baseline), 1),
          ours_vs_baseline: fixed(us(tally.ours) / us(tally.baseline), 2),
          baseline_per_s: Math.round(tally.baseline.sessions / tally.baseline.seconds),
          per_s_vs_baseline: fixed(
            tally.ours.sessions / tally.ours.seconds / (tally.baseline.sessions / tally.baseline.seconds),
            2,
          ),
        }
      : {}),
    errors: tally.ours.errors + tally.ref.errors + tally.naive.errors,
  });
}

// The doctor's quote rate and CPU per quote, measured against the bare Bun UDP echo in the same run.
// Driven by bench/udp-loadgen.c (compiled at bench time): a JavaScript driver sharing the 2 cores set the
// rate with its own CPU and JIT. Many short rounds, the servers' order rotating, each server pinned to the
// same core and the driver to another: a neighbour's burst spoils a round, and the median of the rounds'
// ratios is the figure (issue 28).
import { cpus } from "node:os";
import { join } from "node:path";
import { compileC, cpuSeconds, start, work, type Started } from "./procs.ts";
import { record } from "./report.ts";
import { checkTarget } from "./targets.ts";

/** Doctor quotes per second against the bare Bun UDP echo (issue 28). */
const doctor_vs_echo_min = 0.95;
/** Rounds per level; each server runs once a round, the order rotating. */
const rounds = 21;
/** A round is seconds / this (0.25 s at --seconds 2): short, so a burst of the neighbours' load spoils few. */
const round_fraction = 8;
/** Each server's warm-up at each level, before the rounds (the JIT's tiers, the socket buffers). */
const warm_up_seconds = 0.3;

export type QuoteServer = { name: string; binary: string; args: string[] };
type Round = { quotes: number; seconds: number; cpu: number };

/** Where the servers and the driver run: the last core for every server, core 0 for the driver (2+ cores). */
function placement(): { server?: string; driver: string[] } {
  const n = cpus().length;
  if (n < 2 || !Bun.which("taskset")) return { driver: [] };
  return { server: String(n - 1), driver: ["taskset", "-c", "0"] };
}

/** Pins every thread of `pid` (Bun's JIT and GC threads too) to `cpu`. */
function pin(pid: number, cpu: string): void {
  const r = Bun.spawnSync(["taskset", "-a", "-p", "-c", cpu, String(pid)], { stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`taskset ${pid}: ${r.stderr.toString()}`);
}

async function drive(driver: string[], port: number, inFlight: number, seconds: number): Promise<Round> {
  const proc = Bun.spawn([...driver, String(port), String(inFlight), "50000000", String(seconds)], { stdout: "pipe" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as { quotes: number; seconds: number };
  await proc.exited;
  return { ...out, cpu: 0 };
}

/** One server for one round: quotes, seconds and the server's CPU seconds (from /proc). */
async function round(driver: string[], server: Started, inFlight: number, seconds: number): Promise<Round> {
  const cpu0 = cpuSeconds(server.proc.pid);
  const r = await drive(driver, server.port, inFlight, seconds);
  return { ...r, cpu: cpuSeconds(server.proc.pid) - cpu0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rate = (t: Round) => t.quotes / t.seconds;
const usPerQuote = (t: Round) => (t.cpu / Math.max(1, t.quotes)) * 1e6;

/**
 * `servers[0]` is our doctor, `servers[1]` the echo (the reference), any after (an earlier build) are
 * measured in the same rounds. Each one's rate and CPU per quote, and its ratio to the echo's: the median of
 * the rounds' ratios (the target) beside the whole level's.
 */
export async function doctorQuotes(servers: QuoteServer[], seconds: number) {
  const where = placement();
  const driver = [...where.driver, compileC("udp-loadgen")];
  const started = await Promise.all(
    servers.map((s) => start(s.binary, s.args, /static UDP port (\d+)/, join(work, `${s.name}.log`))),
  );
  if (where.server) for (const s of started) pin(s.proc.pid, where.server);
  const roundSeconds = seconds / round_fraction;
  for (const inFlight of [1, 16]) {
    for (const s of started) await drive(driver, s.port, inFlight, warm_up_seconds);
    const tally = servers.map(() => ({ quotes: 0, seconds: 0, cpu: 0 }));
    const ratios: number[][] = servers.map(() => []);
    const cpuRatios: number[][] = servers.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const got: Round[] = [];
      for (let k = 0; k < servers.length; k++) {
        const d = (k + r) % servers.length;
        got[d] = await round(driver, started[d]!, inFlight, roundSeconds);
        tally[d]!.quotes += got[d]!.quotes;
        tally[d]!.seconds += got[d]!.seconds;
        tally[d]!.cpu += got[d]!.cpu;
      }
      got.forEach((g, d) => {
        ratios[d]!.push(rate(g) / rate(got[1]!));
        cpuRatios[d]!.push(usPerQuote(g) / usPerQuote(got[1]!));
      });
    }
    reportLevel(servers, inFlight, tally, ratios, cpuRatios, where.server !== undefined);
  }
}

function reportLevel(
  servers: QuoteServer[],
  inFlight: number,
  tally: Round[],
  ratios: number[][],
  cpuRatios: number[][],
  pinned: boolean,
): void {
  tally.forEach((t, d) =>
    record({
      scenario: servers[d]!.name,
      in_flight: inFlight,
      quotes: t.quotes,
      quotes_per_s: Math.round(rate(t)),
      doctor_cpu_us_per_quote: +usPerQuote(t).toFixed(2),
      ...(d === 1
        ? {}
        : {
            rate_vs_echo_median: +median(ratios[d]!).toFixed(3),
            rate_vs_echo_whole: +(rate(t) / rate(tally[1]!)).toFixed(3),
            cpu_vs_echo_median: +median(cpuRatios[d]!).toFixed(3),
            cpu_vs_echo_whole: +(usPerQuote(t) / usPerQuote(tally[1]!)).toFixed(3),
            rounds: ratios[d]!.map((x) => +x.toFixed(2)).join(" "),
          }),
    }),
  );
  const how = servers[0]!.args.includes("--quiet") ? "--quiet" : "logging to a file";
  checkTarget(
    `doctor quotes/s at ${inFlight} in flight (${how}) vs the bare Bun UDP echo ` +
      `(median of ${rounds} rounds, bench/udp-loadgen.c${pinned ? ", pinned" : ""})`,
    median(ratios[0]!),
    doctor_vs_echo_min,
    true,
  );
}

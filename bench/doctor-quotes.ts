// The doctor's quote rate and CPU per quote, measured against the bare Bun UDP echo in the same run.
// Driven by bench/udp-loadgen.c (compiled at bench time), which turns from one server to the next every
// 50 ms, so each is measured in nearly the same seconds of a shared machine; a JavaScript driver sharing the
// 2 cores set the rate with its own CPU and JIT. The servers and the driver run at nice -10 where allowed.
// The whole level's rates (every cycle's quotes over its seconds, alternated every 50 ms) give the figure
// (issue 28): at 1 in flight one cycle's ratio is bimodal (middle half 0.38-2.57 on a quiet machine, as the
// kernel puts a slice's driver and server on one core or on two), so the cycles' median fell at random.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { compileC, cpuSeconds, mainThreadCpuSeconds, start, work } from "./procs.ts";
import { record } from "./report.ts";
import { checkTarget } from "./targets.ts";

/** Doctor quotes per second against the bare Bun UDP echo (issue 28). */
const doctor_vs_echo_min = 0.95;
/** A server's turn: short, so a burst of the neighbours' load falls on the servers of a cycle alike. */
const slice_ms = 50;
/** The servers' warm-up at each level, in turns as measured (the JIT's tiers, the socket buffers). */
const warm_up_seconds = 0.5;

export type QuoteServer = { name: string; binary: string; args: string[] };
/** `main`: the main thread's CPU seconds alone (our JavaScript and its syscalls; not the GC's or the JIT's). */
type Totals = { quotes: number; seconds: number; cpu: number; main: number };
type Driven = { quotes: number[]; seconds: number[]; slices: number[][] };

/** The servers' and the driver's nice value: a neighbour's process (0) takes a tenth of a core from them, not half. */
const nice = -10;

/**
 * The servers and the driver at a higher priority than the neighbours' processes where allowed (root or
 * CAP_SYS_NICE), on any core. Pinned (servers to one core, the driver to the other), an echo against another
 * echo strayed 0.76-1.49 a cycle (middle half) at 16 in flight, as the neighbours' load came and went on the
 * servers' core; unpinned 0.98-1.02 (docs/PERFORMANCE.md, the doctor's fourth round).
 */
function niceness(): boolean {
  const allowed = Bun.spawnSync(["nice", "-n", String(nice), "true"], { stderr: "pipe" });
  return allowed.exitCode === 0 && allowed.stderr.length === 0;
}

/** Sets the nice value of every thread of `pid` (Bun's JIT and GC threads too; one gone meanwhile is no matter). */
function renice(pid: number): void {
  Bun.spawnSync(["renice", "-n", String(nice), "-p", ...readdirSync(`/proc/${pid}/task`)], {
    stdout: "ignore",
    stderr: "ignore",
  });
}

async function drive(driver: string[], ports: number[], inFlight: number, seconds: number): Promise<Driven> {
  const args = [String(inFlight), String(slice_ms), String(seconds), ...ports.map(String)];
  const proc = Bun.spawn([...driver, ...args], { stdout: "pipe" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as Driven;
  if ((await proc.exited) !== 0) throw new Error(`udp-loadgen ${args.join(" ")} failed`);
  return out;
}

const median = (xs: number[]) => (xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[xs.length >> 1]!);
const rate = (t: Totals) => t.quotes / t.seconds;
const usPerQuote = (t: Totals) => (t.cpu / Math.max(1, t.quotes)) * 1e6;

/**
 * `servers[0]` is our doctor, `servers[1]` the echo (the reference), any after (an earlier build) are
 * measured in the same cycles. Each one's rate and CPU per quote, and its ratio to the echo's: the whole
 * level's (the target) beside the median of the cycles' ratios. Each server gets `seconds` a level.
 */
export async function doctorQuotes(servers: QuoteServer[], seconds: number) {
  const niced = niceness();
  const driver = [...(niced ? ["nice", "-n", String(nice)] : []), compileC("udp-loadgen")];
  const started = await Promise.all(
    servers.map((s) => start(s.binary, s.args, /static UDP port (\d+)/, join(work, `${s.name}.log`))),
  );
  if (niced) for (const s of started) renice(s.proc.pid);
  const ports = started.map((s) => s.port);
  for (const inFlight of [1, 16]) {
    await drive(driver, ports, inFlight, warm_up_seconds);
    const cpu0 = started.map((s) => cpuSeconds(s.proc.pid));
    const main0 = started.map((s) => mainThreadCpuSeconds(s.proc.pid));
    const r = await drive(driver, ports, inFlight, seconds * servers.length);
    const tally = started.map((s, d) => ({
      quotes: r.quotes[d]!,
      seconds: r.seconds[d]!,
      cpu: cpuSeconds(s.proc.pid) - cpu0[d]!,
      main: mainThreadCpuSeconds(s.proc.pid) - main0[d]!,
    }));
    const cycles = r.slices.filter((c) => c.every((x) => x > 0));
    const ratios = servers.map((_, d) => cycles.map((c) => c[d]! / c[1]!));
    reportLevel(servers, inFlight, tally, ratios, niced ? `, nice ${nice}` : "");
  }
}

function reportLevel(
  servers: QuoteServer[],
  inFlight: number,
  tally: Totals[],
  ratios: number[][],
  placed: string,
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
            cpu_vs_echo: +(usPerQuote(t) / usPerQuote(tally[1]!)).toFixed(3),
            main_thread_cpu_vs_echo: +(t.main / t.quotes / (tally[1]!.main / tally[1]!.quotes)).toFixed(3),
            cycles: ratios[d]!.length,
            cycles_middle_half: quartiles(ratios[d]!),
          }),
    }),
  );
  const how = servers[0]!.args.includes("--quiet") ? "--quiet" : "logging to a file";
  checkTarget(
    `doctor quotes/s at ${inFlight} in flight (${how}) vs the bare Bun UDP echo ` +
      `(whole level, alternating ${slice_ms}-ms turns, bench/udp-loadgen.c${placed})`,
    rate(tally[0]!) / rate(tally[1]!),
    doctor_vs_echo_min,
    true,
  );
}

/** The cycles' ratios from the first quartile to the third: how far one cycle strays. */
function quartiles(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return "none";
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(2);
  return `${at(0.25)}-${at(0.75)}`;
}

// The doctor's quote rate and CPU per quote, measured against a reference in the same run.
import { join } from "node:path";
import { runQuotes } from "./loadgen.ts";
import { cpuSeconds, start, work } from "./procs.ts";
import { record } from "./report.ts";
import { checkTarget } from "./targets.ts";

/** Doctor quotes per second against the bare Bun UDP echo (issue 28). */
const doctor_vs_echo_min = 0.95;
/** Alternating rounds per level: each round's ratio is its own, and the target is checked on their median. */
const rounds = 5;

/** Our doctor beside the bare Bun UDP echo, in alternating rounds; the ratio is the two in the same run. */
export async function doctorQuotes(doctors: [string, string, string[]][], seconds: number) {
  const started = await Promise.all(
    doctors.map(([, binary, args]) => start(binary, args, /static UDP port (\d+)/, join(work, `${binary}.log`))),
  );
  for (const inFlight of [1, 16]) {
    const tally = doctors.map(() => ({ quotes: 0, seconds: 0, cpu: 0 }));
    /** Each round's rate against the echo's in the same round: a neighbour's burst spoils one round, not the median. */
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const rates: number[] = [];
      for (let k = 0; k < doctors.length; k++) {
        const d = (k + round) % doctors.length;
        const doctor = started[d]!;
        const cpu0 = cpuSeconds(doctor.proc.pid);
        const r = await runQuotes(doctor.port, inFlight, 5_000_000, seconds);
        tally[d]!.cpu += cpuSeconds(doctor.proc.pid) - cpu0;
        tally[d]!.quotes += r.quotes;
        tally[d]!.seconds += r.seconds;
        rates[d] = r.quotes / r.seconds;
      }
      if (rates.length === 2) ratios.push(rates[0]! / rates[1]!);
    }
    tally.forEach((t, d) =>
      record({
        scenario: doctors[d]![0],
        in_flight: inFlight,
        quotes: t.quotes,
        quotes_per_s: Math.round(t.quotes / t.seconds),
        doctor_cpu_us_per_quote: +((t.cpu / Math.max(1, t.quotes)) * 1e6).toFixed(2),
      }),
    );
    const rate = (t: { quotes: number; seconds: number }) => t.quotes / t.seconds;
    if (tally.length === 2) {
      const median = [...ratios].sort((a, b) => a - b)[ratios.length >> 1]!;
      record({
        scenario: "doctor vs the bare Bun UDP echo, same run",
        in_flight: inFlight,
        rate_ratio: +(rate(tally[0]!) / rate(tally[1]!)).toFixed(3),
        median_of_rounds: +median.toFixed(3),
        rounds: ratios.map((r) => +r.toFixed(2)).join(" "),
      });
      const how = doctors[0]![2].includes("--quiet") ? "--quiet" : "logging to a file";
      checkTarget(
        `doctor quotes/s at ${inFlight} in flight (${how}) vs the bare Bun UDP echo (median of ${rounds} rounds)`,
        median,
        doctor_vs_echo_min,
        true,
      );
    }
  }
}

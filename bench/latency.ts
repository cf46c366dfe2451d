// Single-request timings: one `available` reply on a big schedule, and a process's start-up to its
// listening line.
import { join } from "node:path";
import { lineClient } from "./line-client.ts";
import { dist, work } from "./procs.ts";
import { record, type Row } from "./report.ts";

/** The single-request latency of `available`, with or without a booking before each. */
export async function availableLatency(port: number, bookBetween: boolean, nextSlot: () => number): Promise<Row> {
  const client = await lineClient(port);
  const times: number[] = [];
  let lines = 0;
  for (let i = 0; i < 21; i++) {
    if (bookBetween) await client.ask(`selection ${nextSlot()}`, false);
    const t0 = performance.now();
    const reply = await client.ask("available", true);
    if (i > 0) times.push(performance.now() - t0); // the first fills the cache
    lines = reply.split("\n").length - 2;
  }
  client.close();
  times.sort((a, b) => a - b);
  return record({
    scenario: `available, 100k slots${bookBetween ? ", a booking before each" : ""}`,
    free_slots_listed: lines,
    p50_ms: +times[10]!.toFixed(2),
    max_ms: +times.at(-1)!.toFixed(2),
  });
}

export async function startupTime(binary: string, args: string[], ready: RegExp): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const proc = Bun.spawn([join(dist, binary), ...args], { cwd: work, stdout: "pipe", stderr: "ignore" });
    let text = "";
    for await (const chunk of proc.stdout) {
      text += Buffer.from(chunk).toString();
      if (ready.test(text)) break;
    }
    samples.push(performance.now() - t0);
    proc.kill("SIGKILL");
    await proc.exited;
  }
  samples.sort((a, b) => a - b);
  return +samples[3]!.toFixed(1);
}

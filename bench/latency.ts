// Single-request timings: one `available` reply on a big schedule, and a process's start-up to its
// listening line.
import { join } from "node:path";
import { dist, work } from "./procs.ts";
import { record, type Row } from "./report.ts";

/** Raw line client for the single-request latency of `available`. */
export async function availableLatency(port: number, bookBetween: boolean, nextSlot: () => number): Promise<Row> {
  let text = "";
  let wake = () => {};
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, b) => {
        text += b.toString("latin1");
        wake();
      },
    },
  });
  const until = async (end: (t: string) => boolean) => {
    while (!end(text)) await new Promise<void>((r) => (wake = r));
    const t = text;
    text = "";
    return t;
  };
  socket.write("authenticate patient1 password111\n");
  await until((t) => t.endsWith("\n"));
  const times: number[] = [];
  let lines = 0;
  for (let i = 0; i < 21; i++) {
    if (bookBetween) {
      socket.write(`selection ${nextSlot()}\n`);
      await until((t) => t.endsWith("\n"));
    }
    const t0 = performance.now();
    socket.write("available\n");
    const reply = await until((t) => t.endsWith("\n\n"));
    if (i > 0) times.push(performance.now() - t0); // the first fills the cache
    lines = reply.split("\n").length - 2;
  }
  socket.end();
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

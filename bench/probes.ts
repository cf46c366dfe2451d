// Single-client probes for the scale table: one prompt reader of a whole `available` reply, and
// `slots` pages of 100. Each runs over its own logged-in connection and counts bytes, not strings,
// so a 10 MB reply costs the bench little.
import type { Socket } from "bun";
import { percentile } from "./loadgen.ts";

type End = (tail: Buffer, bytes: number, head: string) => boolean;
type Probe = {
  socket: Socket<undefined>;
  next: (end: End) => Promise<{ bytes: number; newlines: number; head: string }>;
};

async function loggedIn(port: number): Promise<Probe> {
  let head = "";
  let bytes = 0;
  let newlines = 0;
  let tail = Buffer.alloc(0);
  let wake = () => {};
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, b) => {
        if (head.length < 200) head += b.toString("latin1", 0, 200);
        bytes += b.length;
        for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) newlines++;
        tail = Buffer.concat([tail, b.subarray(Math.max(0, b.length - 2))]).subarray(-2);
        wake();
      },
      close: () => {
        closed = true;
        wake();
      },
    },
  });
  const next: Probe["next"] = async (end) => {
    while (!end(tail, bytes, head)) {
      if (closed) throw new Error(`the server closed the connection (${head.slice(0, 80)})`);
      await new Promise<void>((r) => (wake = r));
    }
    const got = { bytes, newlines, head };
    head = "";
    bytes = 0;
    newlines = 0;
    tail = Buffer.alloc(0);
    return got;
  };
  socket.write("authenticate patient1 password111\n");
  const reply = await next((t) => t.at(-1) === 10);
  if (!reply.head.startsWith("success")) throw new Error(`login answered ${reply.head}`);
  return { socket, next };
}

/** A list reply ends with an empty line: "\n\n", or a lone "\n" when nothing is listed. */
const listEnd = (tail: Buffer, bytes: number) =>
  (tail.length === 2 && tail[0] === 10 && tail[1] === 10) || (bytes === 1 && tail[0] === 10);

export type AvailableRead = { ms: number; bytes: number; lines: number; peakRssGrowthMiB: number };

/** Times one whole `available` read by a client reading as fast as it can; samples the server's RSS meanwhile. */
export async function readAvailable(port: number, serverRssMiB: () => number): Promise<AvailableRead> {
  const probe = await loggedIn(port);
  const before = serverRssMiB();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, serverRssMiB())), 5);
  const t0 = performance.now();
  probe.socket.write("available\n");
  const got = await probe.next(listEnd);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  probe.socket.end();
  return { ms, bytes: got.bytes, lines: got.newlines - 1, peakRssGrowthMiB: Math.max(0, peak - before) };
}

/**
 * p50 and p99 of `slots after=X limit=100` at random places in a schedule of `slots` slots, or
 * the server's answer when it has no `slots` command.
 */
export async function slotsPages(
  port: number,
  slots: number,
  pages: number,
): Promise<{ p50_ms: number; p99_ms: number } | string> {
  const probe = await loggedIn(port);
  try {
    probe.socket.write("slots limit=100\n");
    const first = await probe.next((t, bytes, head) =>
      head.startsWith("error") ? t.at(-1) === 10 : listEnd(t, bytes),
    );
    if (first.head.startsWith("error")) return `n/a (${first.head.trim()})`;
    const times = new Float64Array(pages);
    for (let i = 0; i < pages; i++) {
      const after = Math.floor(Math.random() * slots);
      const t0 = performance.now();
      probe.socket.write(`slots after=${after} limit=100\n`);
      await probe.next(listEnd);
      times[i] = performance.now() - t0;
    }
    times.sort();
    return { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99) };
  } finally {
    probe.socket.end();
  }
}

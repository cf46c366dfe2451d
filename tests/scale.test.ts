// A million slots over real sockets: the whole `available` list reaches a client that reads it,
// and a reader that is slow costs the server a bounded amount of memory, not the list.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import { scaleSlot, writeScaleData } from "../bench/scale-data.ts";
import { loopback, startServer, tempDir, type Running } from "./helpers.ts";

const slots = 1_000_000;
const tmp = tempDir();
let server: Running;

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

/** A logged-in reader of one `available` reply that counts lines and bytes instead of keeping them. */
function availableReader(port: number) {
  const socket: Socket = netConnect(port, loopback);
  let lines = 0;
  let bytes = 0;
  let last = "";
  let tail = -1; // the previous byte, to see the empty line that ends the list
  /** While slow: chunks to take before pausing again. */
  let allowance = Infinity;
  const ended = new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      let from = 0;
      if (bytes === 0) from = chunk.indexOf(10) + 1; // "success\n"
      bytes += chunk.length;
      for (let i = chunk.indexOf(10, from); i !== -1; i = chunk.indexOf(10, i + 1)) {
        if ((i > 0 ? chunk[i - 1] : tail) === 10) return resolve();
        lines++;
        if (lines === slots)
          last = chunk
            .toString("latin1", Math.max(0, i - 40), i)
            .split("\n")
            .at(-1)!;
      }
      tail = chunk[chunk.length - 1]!;
      if (--allowance <= 0) socket.pause();
    });
    socket.on("close", () => reject(new Error(`closed after ${lines} lines`)));
    socket.on("error", reject);
  });
  socket.write("authenticate patient1 password111\navailable\n");
  return {
    socket,
    ended,
    counts: () => ({ lines, bytes, last }),
    /** Takes `chunks` more chunks, then pauses; Infinity reads on at full speed. */
    take: (chunks: number) => {
      allowance = chunks;
      if (chunks > 0) socket.resume();
      else socket.pause();
    },
  };
}

describe(`a schedule of ${slots.toLocaleString("en")} slots`, () => {
  beforeAll(async () => {
    writeScaleData(join(tmp.dir, "data"), slots);
    server = await startServer(["--data", join(tmp.dir, "data"), "--db", join(tmp.dir, "b.db"), "--quiet"]);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  test("a client reads the whole `available` list to its end: every slot, then the empty line", async () => {
    const reader = availableReader(server.port);
    await reader.ended;
    expect(reader.counts().lines).toBe(slots);
    const { day, time } = scaleSlot(slots, 100);
    expect(reader.counts().last).toBe(`${slots} ${day} ${time}`);
    reader.socket.end();
  }, 30_000);

  test("ten slow readers of the list grow the server by a bounded amount, then each gets all of it", async () => {
    const warm = availableReader(server.port); // the cached blocks are the schedule's, not the readers'
    await warm.ended;
    warm.socket.end();
    const before = rssMiB(server.proc.pid);
    const readers = Array.from({ length: 10 }, () => availableReader(server.port));
    for (const r of readers) r.take(0);
    // Slow: each reader takes one chunk every 100 ms for a second, while the server's memory is watched.
    let peak = before;
    for (let tick = 0; tick < 10; tick++) {
      for (const r of readers) r.take(1);
      await Bun.sleep(100);
      peak = Math.max(peak, rssMiB(server.proc.pid));
    }
    const slow = readers.map((r) => r.counts().bytes);
    for (const b of slow) expect(b).toBeLessThan(10 * 2 ** 20); // still reading: a good part of the ~15 MiB list to come
    expect(peak - before).toBeLessThan(48); // a list queued whole would be ~15 MiB per reader
    for (const r of readers) r.take(Infinity);
    await Promise.all(readers.map((r) => r.ended));
    for (const r of readers) {
      expect(r.counts().lines).toBe(slots);
      r.socket.end();
    }
  }, 60_000);
});

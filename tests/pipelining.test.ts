// Nothing done unheard: a connection's next line runs only once its earlier replies have left the process
// (as an HTTP/1.1 server treats pipelined requests), one pipelined line per turn, and the kernel's share of
// a connection's replies is bounded too. Every loop here is bounded in count, and every wait in time.
import { afterAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Client, login, loopback, readBookings, startServer, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A raw socket that has connected and never reads what it is sent. */
async function neverReading(port: number): Promise<Socket> {
  const s = connect(port, loopback);
  s.on("error", () => {});
  s.pause();
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

/** Milliseconds each of `count` requests took on `c`, one after another. */
async function timed(c: Client, line: string, count: number): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    expect(await c.request(line)).toBe("pong");
    took.push(performance.now() - started);
  }
  return took;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("nothing done unheard", () => {
  test("a login, 40 lists and a selection in one write, never read: the selection never runs, the slot stays free", async () => {
    const dir = await writeDataDir(join(tmp.dir, "unheard"), 2000);
    const dbPath = join(dir, "b.db");
    const server = await startServer(["--db", dbPath, "--data", dir, "--idle-timeout", "1"]);
    try {
      const s = await neverReading(server.port);
      s.write("authenticate patient1 password111\n" + "available\n".repeat(40) + "selection 7\n");
      // Its first lists fill the kernel's buffers and wait; it takes none of them, so it is dropped.
      await server.stdout.waitFor(/Dropping 127\.0\.0\.1:\d+: not reading replies|Closing idle connection/);
      s.destroy();
      const c = await login(server.port, "patient2", "password222");
      expect(await c.request("selection 7")).toBe("doc1 41000");
      c.close();
      await server.stop();
      expect(readBookings(dbPath).get(7)).toBe("patient2");
      expect(server.stdout.text).not.toMatch(/appointment 7 from patient with port number: \d+ and username patient1/);
    } finally {
      await server.stop();
    }
  });

  test("a thousand never-reading connections pipelining slots limit=1000 do not stall another patient", async () => {
    const dir = await writeDataDir(join(tmp.dir, "flood"), 2000);
    const args = ["--db", join(dir, "b.db"), "--data", dir, "--quiet", "--bookings-per-patient", "0"];
    const server = await startServer(args);
    const flood: Socket[] = [];
    try {
      const other = await login(server.port, "patient2", "password222");
      const unloaded = await timed(other, "ping", 20);
      expect(await other.request("selection 1")).toBe("doc1 41000");
      // While a thousand connections each send a login and 64 pages of 1000 slots and never read, the other
      // patient pings on its open connection, and books.
      let flooding = true;
      const during: number[] = [];
      const pinger = (async () => {
        for (let i = 0; i < 2000 && flooding; i++) during.push(...(await timed(other, "ping", 1)));
      })();
      const line = "authenticate patient1 password111\n" + "slots limit=1000\n".repeat(64);
      for (let batch = 0; batch < 10; batch++) {
        const opened = await Promise.all(Array.from({ length: 100 }, () => neverReading(server.port)));
        for (const s of opened) s.write(line);
        flood.push(...opened);
      }
      await Bun.sleep(1000);
      flooding = false;
      await pinger;
      const booked = performance.now();
      expect(await other.request("selection 3")).toBe("doc1 41000");
      const bookingMs = performance.now() - booked;
      const worst = Math.max(...during);
      console.log(
        `ping unloaded median ${median(unloaded).toFixed(2)} ms; during the flood median ${median(during).toFixed(2)} ms, ` +
          `worst ${worst.toFixed(0)} ms over ${during.length}; a booking after it ${bookingMs.toFixed(1)} ms`,
      );
      // Generous bounds, relative to the unloaded run (before: stalls of 4-8 s).
      expect(worst).toBeLessThan(Math.max(1000, 100 * median(unloaded)));
      expect(median(during)).toBeLessThan(Math.max(100, 20 * median(unloaded)));
      expect(bookingMs).toBeLessThan(1000);
      other.close();
    } finally {
      for (const s of flood) s.destroy();
      await server.stop();
    }
  });
});

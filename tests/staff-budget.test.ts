// The staff port cannot starve the patients: its connections take a bounded share of the one descriptor
// budget, and the page's schedule is bounded per second and made once per change. Every loop here is
// bounded in count, and every wait in time.
import { afterAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { bun, child_env, Client, login, loopback, Output, root, tempDir } from "./helpers.ts";
import { startStaffServer } from "./staff-helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A keep-alive HTTP connection that has had one answer (its status code), or undefined if it failed. */
async function keptAlive(port: number, path: string): Promise<{ socket: Socket; status: number } | undefined> {
  const socket = connect(port, loopback);
  socket.on("error", () => {});
  let got = "";
  socket.on("data", (d) => (got += d));
  const ok = await new Promise<boolean>((resolve) => {
    socket.once("connect", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
  for (let i = 0; ok && i < 200 && !got.includes("\r\n\r\n"); i++) await Bun.sleep(10);
  const m = /^HTTP\/1\.1 (\d+)/.exec(got);
  return m ? { socket, status: Number(m[1]) } : (socket.destroy(), undefined);
}

describe("the staff port cannot starve the patients", () => {
  const hasPrlimit = Bun.which("prlimit") !== null;
  test.skipIf(!hasPrlimit)(
    "keep-alive connections to the staff port take only their share of the descriptors: patients still get in",
    async () => {
      const args = ["roles/healthcenterserver.ts", "--host", loopback, "--port", "0", "--http", "127.0.0.1:0"];
      const proc = Bun.spawn(["prlimit", "--nofile=300:300", bun, ...args, "--db", join(tmp.dir, "fd.db")], {
        cwd: root,
        env: child_env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const out = new Output(proc.stdout);
      const held: Socket[] = [];
      try {
        const port = Number((await out.waitFor(/has port number: (\d+)/))[1]);
        const cap = Number((await out.waitFor(/at most (\d+) connections for file descriptor limit 300/))[1]);
        const http = Number((await out.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
        // 300 descriptors, less the reserve (24), the turned-away (16) and the staff port's share (64).
        expect(cap).toBe(300 - 24 - 16 - 64);
        // 288 keep-alive connections to the staff page: past its 64, each is answered 503 and closed.
        const statuses: number[] = [];
        for (let i = 0; i < 288; i++) {
          const c = await keptAlive(http, "/");
          if (c) held.push(c.socket);
          statuses.push(c?.status ?? 0);
        }
        expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(64);
        expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(288 - 64);
        // Patients still get in, up to their own cap.
        const patients: Client[] = [];
        for (let i = 0; i < 20; i++) patients.push(await login(port));
        expect((await patients[0]!.available()).length).toBe(6);
        for (const p of patients) p.close();
      } finally {
        for (const s of held) s.destroy();
        proc.kill("SIGTERM");
        await proc.exited;
      }
    },
  );

  test("a flood of /api/schedule is answered at most 20 times a second and barely slows bookings", async () => {
    const staff = await startStaffServer({ slots: 4000, args: ["--bookings-per-patient", "0", "--quiet"] });
    const port = staff.server.port;
    try {
      const c = await login(port);
      let next = 1;
      /** Milliseconds of each of `count` bookings, one after another. */
      const bookings = async (count: number) => {
        const took: number[] = [];
        for (let i = 0; i < count; i++) {
          const started = performance.now();
          expect(await c.request(`selection ${next++}`)).toMatch(/^doc\d 4\d000$/);
          took.push(performance.now() - started);
        }
        return took.sort((a, b) => a - b);
      };
      // The flood comes from a process of its own (no event loop shared with the patient timed), and flooded
      // rounds alternate with quiet ones, so a neighbour's burst on a shared machine falls on both sides alike.
      const flood = Bun.spawn([bun, "tests/schedule-flood.ts", `${staff.base}/api/schedule`], {
        cwd: root,
        env: child_env,
        stdin: "pipe",
        stdout: "pipe",
      });
      const said = new Output(flood.stdout);
      const tell = async (what: "on" | "off", round: number) => {
        flood.stdin.write(`${what}\n`);
        flood.stdin.flush();
        await said.waitFor(new RegExp(`^${what} ${round}$`, "m"));
      };
      const quiet: number[] = [];
      const flooded: number[] = [];
      for (let round = 1; round <= 8; round++) {
        quiet.push(...(await bookings(25)));
        await tell("on", round); // the first answer came: the flood is on
        flooded.push(...(await bookings(25)));
        await tell("off", round);
      }
      flood.stdin.end();
      const counts = JSON.parse((await said.waitFor(/^(\{.*\})$/m))[1]!) as { answered: number[]; refused: number };
      const { answered, refused } = counts;
      for (const xs of [quiet, flooded]) xs.sort((a, b) => a - b);
      const p50 = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
      const p95 = (xs: number[]) => xs[Math.floor(xs.length * 0.95)]!;
      console.log(
        `booking p50 ${p50(quiet).toFixed(2)} -> ${p50(flooded).toFixed(2)} ms, p95 ${p95(quiet).toFixed(2)} -> ` +
          `${p95(flooded).toFixed(2)} ms; schedule answered ${answered.join(",")} a second, ${refused} refused`,
      );
      expect(refused).toBeGreaterThan(0);
      for (const n of answered) expect(n).toBeLessThanOrEqual(20);
      // Generous, for a shared machine: before, the p95 went from 1.5 ms to 143-1441 ms.
      expect(p95(flooded)).toBeLessThan(Math.max(20, 3 * p95(quiet)));
      c.close();
    } finally {
      await staff.stop();
    }
  });
});

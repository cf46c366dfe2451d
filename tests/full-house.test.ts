// A full house still lets a patient in: at the connection cap a newcomer displaces the oldest connection
// that has not logged in, an address at its share of those places displaces only its own, and logged-in
// patients are never displaced. Every loop here is bounded in count, and every wait in time.
import { afterAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Client, login, loopback, startServer, tempDir, writeDataDir } from "./helpers.ts";
import { metric, startStaffServer } from "./staff-helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A raw socket from `source` (any 127.0.0.x: Linux routes all of 127/8 to lo) that has connected. */
async function rawFrom(port: number, source = loopback): Promise<Socket> {
  const s = connect({ port, host: loopback, localAddress: source });
  s.on("error", () => {});
  s.on("data", () => {});
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

/** Logs in as patient2 from `source`; milliseconds it took, or Infinity if refused. `keep` holds the place. */
async function timedLogin(port: number, source = loopback, keep?: Socket[]): Promise<number> {
  const started = performance.now();
  const s = await rawFrom(port, source);
  let got = "";
  s.on("data", (d) => (got += d));
  s.write("authenticate patient2 password222\n");
  for (let i = 0; i < 250 && !got.includes("\n"); i++) await Bun.sleep(10);
  if (keep) keep.push(s);
  else s.destroy();
  return got.startsWith("success\n") ? performance.now() - started : Number.POSITIVE_INFINITY;
}

describe("a full house still lets a patient in", () => {
  test("20 dripping clients at --max-connections 20: a patient gets in at once, and /metrics counts who gave way", async () => {
    const staff = await startStaffServer({ token: false, args: ["--max-connections", "20"] });
    const port = staff.server.port;
    const drippers: Socket[] = [];
    const dripper = setInterval(() => {
      for (const s of drippers) if (!s.destroyed) s.write("a");
    }, 1500);
    try {
      for (let i = 0; i < 20; i++) drippers.push(await rawFrom(port));
      // Each patient stays, so each next one finds the house full again.
      for (let i = 0; i < 10; i++) expect(await timedLogin(port, loopback, drippers)).toBeLessThan(1000);
      await staff.server.stdout.waitFor(/Dropping 127\.0\.0\.1:\d+: not logged in; a newer connection takes its place/);
      const text = await (await fetch(`${staff.base}/metrics`)).text();
      expect(metric(text, "hcs_connections_displaced_total")).toBeGreaterThanOrEqual(10);
    } finally {
      clearInterval(dripper);
      for (const s of drippers) s.destroy();
      await staff.stop();
    }
  });

  // Spread over eight addresses, each stays under its share: before, each newcomer displaced the oldest place of
  // all, the patient's, and every login was refused.
  for (const addresses of [1, 8])
    test(`a reconnect flood from ${addresses === 1 ? "one address" : `${addresses} addresses`} does not keep patients (waiting on a hash check) from another out`, async () => {
      // An argon2id password: each login waits on a hash check, a place not logged in for that long.
      const hash = await Bun.password.hash("password222", "argon2id");
      const dir = await writeDataDir(join(tmp.dir, `flood-${addresses}`), 6, {
        "users.txt": `patient1 password111\npatient2 ${hash}\n`,
      });
      const server = await startServer(["--db", join(dir, "b.db"), "--data", dir, "--max-connections", "20"]);
      let flooding = true;
      let opened = 0;
      // Clients keep every place they can, reopening each one the server closes, as fast as they can.
      const flood = async () => {
        while (flooding && opened < 200_000) {
          opened++;
          const s = await rawFrom(server.port, `127.0.0.${2 + (opened % addresses)}`).catch(() => undefined);
          if (!s) continue;
          await new Promise((resolve) => s.once("close", resolve));
        }
      };
      const workers = Array.from({ length: 40 }, () => flood());
      try {
        for (let i = 0; i < 200 && opened < 400; i++) await Bun.sleep(10);
        const took: number[] = [];
        for (let i = 0; i < 10; i++) took.push(await timedLogin(server.port, "127.0.0.1"));
        expect(opened).toBeGreaterThan(100);
        // Every login succeeds (before: every one refused), most within a second (the flood keeps a core busy).
        expect(Math.max(...took)).toBeLessThan(5000);
        expect(took.sort((a, b) => a - b)[5]!).toBeLessThan(1000);
      } finally {
        flooding = false;
        await server.stop();
        await Promise.all(workers);
      }
    });

  test("logged-in patients are never displaced: past the cap a newcomer is told to try again", async () => {
    const server = await startServer(["--db", join(tmp.dir, "full.db"), "--max-connections", "5"]);
    try {
      const five = await Promise.all(Array.from({ length: 5 }, () => login(server.port)));
      const extra = await Client.connect(server.port);
      expect(await extra.line()).toBe("error too many connections, try again later");
      for (const c of five) expect(await c.request("ping")).toBe("pong");
      for (const c of five) c.close();
    } finally {
      await server.stop();
    }
  });
});

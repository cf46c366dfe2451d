// The HAProxy setup docs/SCALING.md documents, run as written (Debian's haproxy, in the foreground,
// addresses mapped to loopback ephemeral ports, config in a temp dir) in front of two servers on one
// real PostgreSQL, through an outage of the database: patients book before, are refused during (never
// a confirmation), book again within seconds after, and both servers are back in rotation.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Output, root, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { freeTcpPort, postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

const haproxy = "/usr/sbin/haproxy";
const found = postgresBin();
const runnable = !("missing" in found) && existsSync(haproxy);
if (!existsSync(haproxy))
  console.warn("skipping the HAProxy test: /usr/sbin/haproxy is not installed (apt-get install haproxy)");

const tmp = tempDir();
let pg: Postgres;
const procs: { kill(signal: "SIGKILL"): void; exited: Promise<number> }[] = [];
beforeAll(() => {
  if (runnable) pg = startPostgres((found as { bin: string }).bin);
}, 60_000);
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  pg?.stop();
  tmp.cleanup();
});

/** The HAProxy configuration block of docs/SCALING.md, exactly, with its addresses mapped to ours. */
function documentedConfig(front: number, servers: { port: number; http: number }[]): string {
  const doc = readFileSync(join(root, "docs", "SCALING.md"), "utf8");
  const block = /HAProxy, checking each server's `\/readyz`[^\n]*\n\n\s*```\n([\s\S]*?)\n\s*```/.exec(doc);
  if (!block) throw new Error("docs/SCALING.md has no HAProxy configuration block");
  let config = block[1]!.replace(/^ {3}/gm, "").replace("bind :21000", `bind 127.0.0.1:${front}`);
  servers.forEach((s, i) => {
    const line = new RegExp(`10\\.0\\.0\\.1${i + 1}:21000 check port 8080`);
    expect(config).toMatch(line);
    config = config.replace(line, `127.0.0.1:${s.port} check port ${s.http}`);
  });
  return config + "\n";
}

/** One patient through the balancer: log in and select `slot`; what came back (or "closed"). */
async function bookThrough(front: number, user: string, slot: number): Promise<string> {
  let c: Client;
  try {
    c = await Client.connect(front);
  } catch {
    return "closed";
  }
  try {
    const login = await c.request(`authenticate ${user} pw`);
    if (login !== "success") return login ?? "closed";
    return (await c.request(`selection ${slot}`)) ?? "closed";
  } catch {
    return "closed";
  } finally {
    c.close();
  }
}

const booked = /^doc\d \d+$/;

async function sessions(http: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
  return Number(/^hcs_sessions_total (\d+)$/m.exec(text)![1]);
}

test.skipIf(!runnable)(
  "the documented HAProxy in front of two servers through a PostgreSQL outage: booked before, refused during, booking again within seconds after, both back in rotation",
  async () => {
    pg.createDatabase("balanced");
    const users = Array.from({ length: 50 }, (_, i) => `p${i + 1} pw`).join("\n") + "\n";
    const dir = await writeDataDir(join(tmp.dir, "data"), 500, { "users.txt": users });
    const args = ["--data", dir, "--db", pg.url("balanced"), "--db-password-file", pg.passwordFile];
    const servers: Running[] = await Promise.all(
      [0, 1].map(() => startServer([...args, "--http", "127.0.0.1:0", "--bookings-per-patient", "0"])),
    );
    procs.push(...servers.map((s) => s.proc));
    const https = await Promise.all(
      servers.map(async (s) => Number((await s.stdout.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1])),
    );
    const front = freeTcpPort();
    const cfg = join(tmp.dir, "haproxy.cfg");
    writeFileSync(
      cfg,
      documentedConfig(
        front,
        servers.map((s, i) => ({ port: s.port, http: https[i]! })),
      ),
    );
    const check = Bun.spawnSync([haproxy, "-c", "-f", cfg], { stdout: "pipe", stderr: "pipe" });
    expect({ code: check.exitCode, out: check.stderr.toString() }).toMatchObject({ code: 0 });
    const balancer = Bun.spawn([haproxy, "-db", "-f", cfg], { stdout: "pipe", stderr: "pipe" });
    procs.push(balancer);
    const log = new Output(balancer.stderr);

    // Before: both servers pass the check (HTTP/1.0 GET /readyz) and patients book through HAProxy.
    let slot = 0;
    const deadline = Date.now() + 20_000;
    let before = "";
    while (!booked.test(before) && Date.now() < deadline) {
      before = await bookThrough(front, "p1", ++slot);
      if (!booked.test(before)) await Bun.sleep(200);
    }
    expect(before).toMatch(booked);
    const confirmed = new Set([slot]);

    // During: the database is down; /readyz says so, HAProxy takes both out, nobody is confirmed.
    pg.stopServer();
    let refusedByBalancer = false;
    try {
      const until = Date.now() + 20_000;
      while (!refusedByBalancer && Date.now() < until) {
        const reply = await bookThrough(front, "p2", ++slot);
        expect(reply).not.toMatch(booked);
        refusedByBalancer = reply === "closed";
        await Bun.sleep(200);
      }
      expect(refusedByBalancer).toBe(true);
      for (const h of https) expect((await fetch(`http://127.0.0.1:${h}/readyz`)).status).toBe(503);
    } finally {
      pg.startServer();
    }

    // After: booking through HAProxy again within seconds (the checks probe the database now).
    const logged = log.text.length;
    const back = Date.now();
    let after = "";
    while (!booked.test(after) && Date.now() - back < 20_000) {
      after = await bookThrough(front, "p3", ++slot);
      if (!booked.test(after)) await Bun.sleep(100);
    }
    expect(after).toMatch(booked);
    confirmed.add(slot);
    const recoveryMs = Date.now() - back;
    expect(recoveryMs).toBeLessThan(10_000);

    // Both servers in rotation: sessions through HAProxy reach each of them.
    for (const name of ["hc1", "hc2"]) {
      const up = new RegExp(`Server healthcenters/${name} is UP`);
      while (!up.test(log.text.slice(logged)) && Date.now() - back < 30_000) await Bun.sleep(100);
      expect(log.text.slice(logged)).toMatch(up); // HAProxy has taken it back into rotation
    }
    const seen = await Promise.all(https.map(sessions));
    for (let i = 0; i < 10; i++) {
      const reply = await bookThrough(front, `p${10 + i}`, ++slot);
      expect(reply).toMatch(booked);
      confirmed.add(slot);
    }
    const now = await Promise.all(https.map(sessions));
    for (const [i, n] of now.entries()) expect(n).toBeGreaterThan(seen[i]!);
    // Bun's own LISTEN retry warnings went through the log (counted, capped), not around it.
    for (const s of servers) {
      expect(s.stderr.text + s.stdout.text).not.toContain("bun:sql LISTEN");
      expect(s.stderr.text + s.stdout.text).toMatch(
        /PostgreSQL: LISTEN "appointments_changes" failed, retrying: .* \(\d+ LISTEN retries so far\)/,
      );
    }
    const stored = pg.psql("balanced", "SELECT slot FROM bookings").trim().split("\n").map(Number);
    for (const s of confirmed) expect(stored).toContain(s);
    console.log(
      `HAProxy: booking again ${recoveryMs} ms after PostgreSQL was back; ${log.text.split("\n").length} log lines`,
    );
  },
  90_000,
);

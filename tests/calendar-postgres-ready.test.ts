// /readyz of a calendar server on a shared PostgreSQL says when the server is not following the
// other servers' changes: its LISTEN connection cut and kept from coming back (the database takes
// no new connections), /readyz answers 503 with why, and ready again once LISTEN is back. Before,
// a calendar on PostgreSQL was always "ready", however stale its view.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startServer, type Running } from "./helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";
import { availability, rule_doc1, zone } from "./calendar-helpers.ts";

const found = postgresBin();
const pgTest = "missing" in found ? test.skip : test;
let pg: Postgres;
const running: Running[] = [];

beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(async () => {
  for (const r of running) r.proc.kill("SIGKILL");
  await Promise.all(running.map((r) => r.proc.exited));
  pg?.stop();
}, 60_000);

/** Polls /readyz until `want` holds (bounded); returns the last answer. */
async function readyzUntil(base: string, want: (status: number, body: string) => boolean, ms: number) {
  const deadline = Date.now() + ms;
  let last = { status: 0, body: "" };
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/readyz`);
    last = { status: res.status, body: await res.text() };
    if (want(last.status, last.body)) return last;
    await Bun.sleep(100);
  }
  throw new Error(`/readyz never matched within ${ms} ms; last: ${last.status} ${last.body}`);
}

pgTest(
  "a calendar server whose LISTEN connection is cut and cannot come back is not ready, and ready once it is back",
  async () => {
    pg.createDatabase("ready");
    const db = ["--db", pg.url("ready"), "--db-password-file", pg.passwordFile];
    expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
    const server = await startServer([...db, "--time-zone", zone, "--http", "127.0.0.1:0"]);
    running.push(server);
    const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    await readyzUntil(base, (s) => s === 200, 10_000);

    // No new connections to the database, then the LISTEN connection cut: it cannot subscribe again.
    pg.psql("postgres", "ALTER DATABASE ready ALLOW_CONNECTIONS false");
    try {
      const cut = pg.psql(
        "postgres",
        `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = 'ready' AND query ILIKE 'LISTEN%'`,
      );
      expect(Number(cut.trim())).toBe(1);
      const down = await readyzUntil(base, (s) => s === 503, 15_000);
      expect(down.body).toMatch(
        /^not ready: not following the other servers' changes: this server's LISTEN on PostgreSQL at 127\.0\.0\.1:\d+\/ready did not hear its own notice within 2 s\n$/,
      );
    } finally {
      pg.psql("postgres", "ALTER DATABASE ready ALLOW_CONNECTIONS true");
    }
    // LISTEN back (Bun reconnects with backoff): ready again.
    const up = await readyzUntil(base, (s) => s === 200, 45_000);
    expect(up.body).toBe("ready\n");
  },
  90_000,
);

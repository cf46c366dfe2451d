// /readyz of a calendar server on a shared PostgreSQL says when the server is not following the
// other servers' changes: its LISTEN connection cut and kept from coming back (the database takes
// no new connections), /readyz answers 503 with why, and ready again once LISTEN is back. Before,
// a calendar on PostgreSQL was always "ready", however stale its view.
import { expect } from "bun:test";
import { startServer } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { availability, rule_doc1, zone } from "./calendar-helpers.ts";

const cluster = postgresForFile();
const { pgTest, running } = cluster;

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
    cluster.pg.createDatabase("ready");
    const db = ["--db", cluster.pg.url("ready"), "--db-password-file", cluster.pg.passwordFile];
    expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
    const server = await startServer([...db, "--time-zone", zone, "--http", "127.0.0.1:0"]);
    running.push(server);
    const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    await readyzUntil(base, (s) => s === 200, 10_000);

    // No new connections to the database, then the LISTEN connection cut: it cannot subscribe again.
    cluster.pg.psql("postgres", "ALTER DATABASE ready ALLOW_CONNECTIONS false");
    try {
      const cut = cluster.pg.psql(
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
      cluster.pg.psql("postgres", "ALTER DATABASE ready ALLOW_CONNECTIONS true");
    }
    // LISTEN back (Bun reconnects with backoff): ready again.
    const up = await readyzUntil(base, (s) => s === 200, 45_000);
    expect(up.body).toBe("ready\n");
  },
  90_000,
);

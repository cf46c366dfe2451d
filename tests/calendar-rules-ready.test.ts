// A running calendar server whose availability rules were changed into something it cannot read (a table
// renamed by hand) refuses every booking on the changed schedule until they can be read. Before, only one
// log line said why, and /readyz answered "ready": a load balancer kept sending patients to it. Now
// /readyz says why (503), the log says it once an outage (not twice a poll), and again once fixed.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { login, startServer, tempDir } from "./helpers.ts";
import { availability, listing, rule_doc1, zone } from "./calendar-helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function readyz(base: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: await res.text() };
}

/** Polls /readyz until `status` (bounded): set-up waits, not the promise's own time. */
async function readyzUntil(base: string, status: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const r = await readyz(base);
    if (r.status === status) return r.body;
    await Bun.sleep(50);
  }
  throw new Error(`/readyz never answered ${status}`);
}

function edit(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.run(sql);
  } finally {
    db.close();
  }
}

test("rules the server cannot read: /readyz 503 says why, one warning, bookings refused; fixed: ready, booking", async () => {
  const path = join(tmp.dir, "cal.db");
  const db = ["--db", path];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  const server = await startServer([...db, "--time-zone", zone, "--http", "127.0.0.1:0"]);
  try {
    const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    expect(await readyzUntil(base, 200)).toBe("ready\n");
    const c = await login(server.port);
    const [first] = await listing(c, "available");
    const slot = first!.split(" ")[0]!;

    // The exceptions' table renamed by hand, and the version bumped as an edit does.
    edit(path, "ALTER TABLE calendar_exceptions RENAME TO away; UPDATE calendar_state SET version = version + 1");
    const why = await readyzUntil(base, 503);
    expect(why).toMatch(
      /^not ready: the availability rules cannot be read \(.*calendar_exceptions.*\): bookings are refused\n$/,
    );
    expect(await c.request(`selection ${slot}`)).toBe("notavailable");
    await Bun.sleep(1_000); // four polls of 250 ms: the warning is not said again
    const warnings = server.stdout.text + server.stderr.text;
    expect(warnings.match(/cannot read the availability rules/g)?.length).toBe(1);
    expect(warnings).not.toContain("can be read again");

    edit(path, "ALTER TABLE away RENAME TO calendar_exceptions");
    expect(await readyzUntil(base, 200)).toBe("ready\n");
    await server.stdout.waitFor(/The availability rules can be read again/);
    expect(await c.request(`selection ${slot}`)).toMatch(/^doc1 41000/);
    c.close();
  } finally {
    await server.stop();
  }
}, 60_000);

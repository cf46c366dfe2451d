// The audit trail on a shared PostgreSQL (a throwaway cluster): two servers booking at once append
// to one chain (an advisory lock serialises the appends, so it never forks), `audit verify` reads it
// over the network, and a row changed with psql is found, and so is a fork made by hand.
import { expect } from "bun:test";
import { bun, login, runToEnd, startServer, writeDataDir, tempDir } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { join } from "node:path";
import { type AuditContent, hashOf } from "../roles/healthcenterserver/audit/chain.ts";

const tmp = tempDir();

const cluster = postgresForFile(() => tmp.cleanup());
const { pgTest, running } = cluster;

pgTest(
  "two servers booking at once write one unbroken chain; verify over the network finds a row changed with psql",
  async () => {
    cluster.pg.createDatabase("aud");
    const db = ["--db", cluster.pg.url("aud"), "--db-password-file", cluster.pg.passwordFile];
    const data = await writeDataDir(join(tmp.dir, "data"), 40);
    const [a, b] = await Promise.all(
      [0, 1].map(() => startServer([...db, "--data", data, "--bookings-per-patient", "0"])),
    );
    running.push(a!, b!);
    // 20 bookings on each server, all in flight together: every append takes the chain's lock in turn.
    const clients = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        login((i % 2 ? b : a)!.port, i % 2 ? "patient2" : "patient1", i % 2 ? "password222" : "password111"),
      ),
    );
    const replies = await Promise.all(clients.map((c, i) => c.request(`selection ${i + 1}`)));
    for (const c of clients) c.close();
    expect(replies.filter((r) => r?.startsWith("doc")).length).toBe(40);
    const verify = () => runToEnd([bun, "roles/healthcenterserver.ts", "audit", "verify", ...db]);
    const ok = await verify();
    expect(ok.stdout).toMatch(/^audit trail intact: 40 records; head 40 [0-9a-f]{64}\n$/);
    expect(ok.code).toBe(0);
    const seqs = cluster.pg.psql("aud", "SELECT count(DISTINCT hash) FROM audit").trim();
    expect(seqs).toBe("40");
    // Append-only: an UPDATE is refused by the table itself...
    expect(() => cluster.pg.psql("aud", "UPDATE audit SET actor = 'mallory' WHERE seq = 7")).toThrow(/append-only/);
    // ...and one made past the trigger is found.
    const actor7 = cluster.pg.psql("aud", "SELECT actor FROM audit WHERE seq = 7").trim();
    cluster.pg.psql(
      "aud",
      "ALTER TABLE audit DISABLE TRIGGER audit_append_only; UPDATE audit SET actor = 'mallory' WHERE seq = 7",
    );
    const bad = await verify();
    expect(bad.stdout).toBe(
      "audit record 7: its content was changed, or the record before it was changed and rehashed\n",
    );
    expect(bad.code).toBe(1);
    // A fork made by hand: record 9 rehashed to follow record 7, as record 8 does (what the lock prevents).
    const [nine, seven] = [9, 7].map((seq) =>
      JSON.parse(cluster.pg.psql("aud", `SELECT row_to_json(a) FROM audit a WHERE seq = ${seq}`)),
    );
    const forkedHash = hashOf(9, seven.hash, { ...nine, atMs: Number(nine.at_ms) } as AuditContent);
    cluster.pg.psql(
      "aud",
      `UPDATE audit SET actor = '${actor7}' WHERE seq = 7; UPDATE audit SET hash = '${forkedHash}' WHERE seq = 9`,
    );
    const forked = await verify();
    expect([forked.stdout, forked.code]).toEqual([
      "audit record 9: does not follow the record before it: both follow the same record\n",
      1,
    ]);
    cluster.pg.psql(
      "aud",
      `UPDATE audit SET hash = '${nine.hash}' WHERE seq = 9; ALTER TABLE audit ENABLE TRIGGER audit_append_only`,
    );
    // Put back, the chain holds again.
    expect((await verify()).code).toBe(0);

    // Archive: every record to a file, a checkpoint signed with the key; the chain goes on from it.
    const key = join(tmp.dir, "audit.key");
    const file = join(tmp.dir, "audit.jsonl");
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const archive = await runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      "audit",
      "archive",
      ...db,
      "--key",
      key,
      "--before",
      tomorrow,
      file,
    ]);
    expect(archive.stdout).toContain("archived 40 audit records (up to record 40)");
    expect(cluster.pg.psql("aud", "SELECT count(*) FROM audit").trim()).toBe("0");
    const c = await login(a!.port, "patient1", "password111");
    expect(await c.request("cancel 1")).toBe("cancelled");
    c.close();
    const after = await runToEnd([bun, "roles/healthcenterserver.ts", "audit", "verify", ...db, "--key", key]);
    expect(after.stdout).toMatch(/^audit trail intact: 1 records after the checkpoint at record 40; head 41 /);
  },
  60_000,
);

pgTest("verify on a database whose audit table was dropped says so in one line, exit 1", async () => {
  cluster.pg.createDatabase("aud_drop");
  const db = ["--db", cluster.pg.url("aud_drop"), "--db-password-file", cluster.pg.passwordFile];
  const verify = () => runToEnd([bun, "roles/healthcenterserver.ts", "audit", "verify", ...db]);
  expect((await verify()).code).toBe(0); // made by the migrations, empty
  cluster.pg.psql("aud_drop", "DROP TABLE audit");
  const r = await verify();
  expect([r.code, r.stderr, r.stdout]).toEqual([1, "", expect.stringMatching(/: its audit table is missing /)]);
});

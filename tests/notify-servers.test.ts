// The sender in real server processes: two servers on one PostgreSQL send each message once (the
// claim skips rows the other holds, FOR UPDATE SKIP LOCKED); and a server killed with -9 while it
// sends loses no message: after a restart every confirmation arrives, and a repeat of one that was
// in flight carries the same Idempotency-Key, so the receiver can tell (docs/RELIABILITY.md).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { login, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { webhookReceiver } from "./notify-helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

const tmp = tempDir();
const found = postgresBin();
const pgTest = "missing" in found ? test.skip : test;
let pg: Postgres | undefined;
const running: Running[] = [];
const receivers: { server: { stop(force: boolean): void } }[] = [];
beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(async () => {
  for (const r of running) r.proc.kill("SIGKILL");
  await Promise.all(running.map((r) => r.proc.exited));
  for (const r of receivers) r.server.stop(true);
  pg?.stop();
  tmp.cleanup();
}, 60_000);

/** A data directory whose patient1 has a phone, and a deployment file with the webhook on. */
async function deployment(name: string, hookPort: number): Promise<string[]> {
  const data = await writeDataDir(join(tmp.dir, `data-${name}`), 1, {
    "patient1insurance.txt": "insurance1\nemail patient1@example.org\nphone +15550100\n",
  });
  writeFileSync(join(tmp.dir, "hook.secret"), "s3cret\n");
  const config = join(tmp.dir, `${name}.toml`);
  writeFileSync(
    config,
    `[notify]\nwebhook = "http://127.0.0.1:${hookPort}/"\nwebhook_secret_file = "hook.secret"\nquiet = "none"\n`,
  );
  return ["--data", data, "--config", config, "--time-zone", zone, "--bookings-per-patient", "0"];
}

async function bookAll(servers: Running[], count: number): Promise<void> {
  const clients = await Promise.all(servers.map((s) => login(s.port)));
  const day = localDate(2);
  const ids = (await listing(clients[0]!, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[0]!);
  for (let i = 0; i < count; i++)
    expect(await clients[i % clients.length]!.request(`selection ${ids[i]}`)).toBe("doc1 41000");
  for (const c of clients) c.close();
}

pgTest(
  "two servers on one PostgreSQL send each confirmation once",
  async () => {
    const hook = webhookReceiver();
    receivers.push(hook);
    pg!.createDatabase("notify2");
    const db = ["--db", pg!.url("notify2"), "--db-password-file", pg!.passwordFile];
    expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
    const args = [...db, ...(await deployment("pg", hook.server.port!))];
    const servers = await Promise.all([startServer(args), startServer(args)]);
    running.push(...servers);
    await bookAll(servers, 24);
    await within(1000, async () => hook.received.length >= 24);
    await Bun.sleep(2_500); // two more polls of each sender: a second send would show now
    const keys = hook.received.map((h) => h.key);
    expect(keys).toHaveLength(24);
    expect(new Set(keys).size).toBe(24);
    const states = pg!.psql(
      "notify2",
      "SELECT state || ' ' || count(*) FROM outbox WHERE kind = 'booked' GROUP BY state",
    );
    expect(states.trim()).toBe("sent 24");
  },
  60_000,
);

test("kill -9 while sending loses no confirmation; a repeat carries the same Idempotency-Key", async () => {
  // The receiver takes 300 ms a message, so the kill lands with sends in flight.
  const hook = webhookReceiver(async () => (await Bun.sleep(300), new Response("ok")));
  receivers.push(hook);
  const db = ["--db", join(tmp.dir, "kill.db")];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  const args = [...db, ...(await deployment("kill", hook.server.port!))];
  const first = await startServer(args);
  running.push(first);
  await bookAll([first], 30);
  await within(1000, async () => hook.received.length >= 1);
  first.proc.kill("SIGKILL");
  await first.proc.exited;
  const inFlight = hook.received.length;
  const second = await startServer(args);
  running.push(second);
  // Claims of the killed server come back when their lease ends (the send deadline and a second).
  const sent = () => {
    const d = new Database(db[1]!, { readonly: true });
    const n = (d.query("SELECT count(*) AS n FROM outbox WHERE state = 'sent'").get() as { n: number }).n;
    d.close();
    return n;
  };
  for (let i = 0; i < 160 && sent() < 30; i++) await Bun.sleep(250);
  expect(sent()).toBe(30);
  const keys = hook.received.map((h) => h.key);
  expect(new Set(keys).size).toBe(30);
  // The repeats are exactly messages that had reached the receiver when the server died, same keys.
  const before = new Set(keys.slice(0, inFlight));
  const repeats = keys.filter((k, i) => keys.indexOf(k) !== i);
  expect(repeats.every((k) => before.has(k))).toBe(true);
  expect(repeats.length).toBeGreaterThan(0); // the kill landed mid-send: those came twice, same key
}, 60_000);

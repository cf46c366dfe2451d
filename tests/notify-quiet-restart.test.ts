// Quiet hours changed between two starts: a confirmation held under the first start's quiet hours is judged
// again with the second's. A clinic that turned them off ("none") and restarted had its held confirmations
// wait until the old hours ended (hours later); now they go once the server is up.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { login, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { webhookReceiver } from "./notify-helpers.ts";
import { notify_send_timeout_ms } from "../shared/limits.ts";

const tmp = tempDir();
const running: Running[] = [];
const hook = webhookReceiver();
afterAll(async () => {
  for (const r of running) await r.stop();
  hook.server.stop(true);
  tmp.cleanup();
});

/** London's wall clock `hours` from now, HH:MM. */
const wall = (hours: number) => Temporal.Now.zonedDateTimeISO(zone).add({ hours }).toString().slice(11, 16);

const config = (quiet: string) => {
  const file = join(tmp.dir, "deploy.toml");
  writeFileSync(join(tmp.dir, "hook.secret"), "s3cret\n");
  const webhook = `webhook = "http://127.0.0.1:${hook.server.port}/hook"\nwebhook_secret_file = "hook.secret"\n`;
  writeFileSync(file, `[notify]\n${webhook}quiet = "${quiet}"\n`);
  return file;
};

/** A calendar in `name`.db and a server's arguments on it (its patient1 has an email and a phone). */
async function calendar(name: string): Promise<string[]> {
  const data = await writeDataDir(join(tmp.dir, `${name}-data`), 1, {
    "patient1insurance.txt": "insurance1\nemail patient1@example.org\nphone +15550100\n",
  });
  const db = ["--db", join(tmp.dir, `${name}.db`)];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  return [...db, "--time-zone", zone, "--data", data];
}

/**
 * A server in quiet hours (from an hour ago to three hours on) that books one appointment two days away, so
 * no reason to send its confirmation now: the server, and the flags to start another on its database.
 */
async function bookedInQuietHours(name: string) {
  const args = await calendar(name);
  const first = await startServer([...args, "--config", config(`${wall(-1)}-${wall(3)}`)]);
  running.push(first);
  const c = await login(first.port);
  const day = localDate(2);
  const [slot] = await listing(c, `slots from=${day} to=${day} limit=1`);
  expect(await c.request(`selection ${slot!.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
  return { args, first };
}

test("a confirmation held for quiet hours goes once the server restarts with none", async () => {
  const { args, first } = await bookedInQuietHours("cal");
  // Held: written to the outbox, not sent (the sender's pass runs every second).
  await Bun.sleep(2_500);
  expect(hook.received).toEqual([]);
  await first.stop();

  const second = await startServer([...args, "--config", config("none")]);
  running.push(second);
  await within(1_000, async () => hook.received.length > 0);
  expect(hook.received.map((h) => h.body.kind)).toEqual(["booked"]);
});

test("a held confirmation another server has just claimed, its clock ahead, is not taken up at a start", async () => {
  const { args, first } = await bookedInQuietHours("claimed");
  const file = new Database(join(tmp.dir, "claimed.db"));
  const held = () => file.query("SELECT count(*) AS n FROM outbox WHERE last_error = 'quiet hours'").get();
  await within(500, async () => (held() as { n: number }).n === 1);
  await first.stop();
  // Claimed, as by a server whose clock is 3 s ahead of the next one's: it is sending the message now.
  const lease = Date.now() + 3_000 + notify_send_timeout_ms + 1_000;
  file.run("UPDATE outbox SET next_ms = ?, attempts = attempts + 1 WHERE last_error = 'quiet hours'", [lease]);
  const before = hook.received.length;
  const second = await startServer([...args, "--config", config("none")]);
  running.push(second);
  await Bun.sleep(2_500); // the sender's first pass, and another (every second)
  expect(hook.received.length - before).toBe(0);
  expect(file.query("SELECT next_ms FROM outbox").get()).toEqual({ next_ms: lease });
  file.close();
});

// A webhook URL may carry credentials (user:password@, or a token in its query, as SMS glue often
// takes them); a failed send's reason names the webhook without them. Before, the whole URL went into
// the outbox row's last_error, which the staff page's outbox list shows (front desk, doctors) and the
// log prints: `webhook http://user:hunter2@host/hook?token=...: ECONNREFUSED`. And an SMTP URL with a
// password in it is refused (as before) without repeating the password to the terminal or the journal.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { writeFileSync } from "node:fs";
import { bun, runToEnd, tempDir } from "./helpers.ts";
import { calendar, london, testSender, webhookReceiver } from "./notify-helpers.ts";

const tmp = tempDir();
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  tmp.cleanup();
});

const secret_parts = ["hookuser", "hunter2", "token", "s3cr3t-t0ken"];

async function failedSend(url: string, file: string): Promise<string> {
  const cal = await calendar(join(tmp.dir, file), undefined, ["webhook"]);
  cleanups.push(() => cal.close());
  const sender = testSender(cal, {
    quiet: undefined,
    contactOf: () => ({ phone: "+15550100" }),
    webhook: { url, secret: "k" },
    now: () => Date.now(),
  });
  const start = Temporal.Now.plainDateISO(london)
    .add({ days: 30 })
    .toZonedDateTime({ timeZone: london, plainTime: "10:00" });
  await cal.store.commit([{ kind: "book", index: slotId(1, start.epochMilliseconds), patient: "patient1" }]);
  expect(await sender.pass()).toBe(1);
  await sender.stop();
  const [row] = (await cal.rows()).filter((r) => r.kind === "booked");
  return String((row as Record<string, unknown>).last_error);
}

test("a failed webhook send names the webhook without the URL's credentials or query", async () => {
  const hook = webhookReceiver(() => new Response("down", { status: 500 }));
  cleanups.push(() => hook.server.stop(true));
  const port = hook.server.port;
  const answered = await failedSend(`http://hookuser:hunter2@127.0.0.1:${port}/hook?token=s3cr3t-t0ken`, "a.db");
  expect(answered).toBe(`webhook http://127.0.0.1:${port}/hook answered 500`);
  expect(hook.received).toHaveLength(1); // the URL as given was used
  hook.server.stop(true);
  const refused = await failedSend(`http://hookuser:hunter2@127.0.0.1:${port}/hook?token=s3cr3t-t0ken`, "b.db");
  expect(refused).toStartWith(`webhook http://127.0.0.1:${port}/hook: `);
  for (const reason of [answered, refused]) for (const part of secret_parts) expect(reason).not.toContain(part);
});

test("an SMTP URL with a user and password is refused in one line that does not repeat them", async () => {
  const config = join(tmp.dir, "smtp.toml");
  writeFileSync(config, '[notify]\nsmtp = "smtp://clinic:hunter2@127.0.0.1:25"\nfrom = "clinic@example.org"\n');
  const r = await runToEnd([bun, "roles/healthcenterserver.ts", "check", "--config", config]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining("smtp: the URL carries a user or password")]);
  expect(r.stderr).not.toContain("hunter2");
});

// Confirmations over real channels: a server on a calendar sends each booking, move and cancellation
// to a real SMTP server (Debian's aiosmtpd) and to a local webhook receiver; every calendar file is
// parsed by an independent parser (Debian's python3-icalendar). A patient without a contact is
// skipped and counted, never stopping the rest.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, login, runToEnd, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, localStart, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { startSmtpSink, parseIcs, webhookReceiver } from "./notify-helpers.ts";
import { metric, staff_token } from "./staff-helpers.ts";

const tmp = tempDir();
const running: { kill(): void }[] = [];
afterAll(() => {
  for (const r of running) r.kill();
  tmp.cleanup();
});

test("booking, move and cancellation each send one email with a calendar file and one signed webhook", async () => {
  const data = await writeDataDir(join(tmp.dir, "data"), 1, {
    "patient1insurance.txt": "insurance1\nemail patient1@example.org\nphone +15550100\n",
  });
  const smtp = await startSmtpSink(join(tmp.dir, "mail"));
  running.push(smtp.proc);
  const hook = webhookReceiver();
  running.push({ kill: () => hook.server.stop(true) });
  writeFileSync(join(tmp.dir, "hook.secret"), "s3cret\n");
  const config = join(tmp.dir, "deploy.toml");
  writeFileSync(
    config,
    `[notify]\nsmtp = "smtp://127.0.0.1:${smtp.port}"\nfrom = "clinic@example.org"\n` +
      `webhook = "http://127.0.0.1:${hook.server.port}/hook"\nwebhook_secret_file = "hook.secret"\n` +
      `quiet = "none"\nclinic = "Riverside Clinic"\naddress = "1 High St, Leeds"\n`,
  );
  const db = ["--db", join(tmp.dir, "cal.db")];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  writeFileSync(join(tmp.dir, "staff.token"), `${staff_token}\n`);
  const staffArgs = ["--http", "127.0.0.1:0", "--staff-token-file", join(tmp.dir, "staff.token")];
  const server: Running = await startServer([
    ...db,
    "--time-zone",
    zone,
    "--data",
    data,
    "--config",
    config,
    ...staffArgs,
  ]);
  running.push(server.proc);
  const c = await login(server.port);
  const day = localDate(2);
  const [a, b] = [localStart(day, "09:00"), localStart(day, "10:30")];
  const ids = (await listing(c, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[0]!);
  const [idA, idB] = [ids[0]!, ids[6]!];
  expect(await c.request(`selection ${idA}`)).toBe("doc1 41000");
  expect(await c.request(`reschedule ${idA} ${idB}`)).toBe("doc1 41000");
  expect(await c.request(`cancel ${idB}`)).toBe("cancelled");
  // patient2 has no contact: skipped and counted, and patient1's messages still go.
  const other = await login(server.port, "patient2", "password222");
  expect(await other.request(`selection ${ids[1]}`)).toBe("doc1 41000");

  await within(1000, async () => smtp.files().length >= 3 && hook.received.length >= 3);
  await Bun.sleep(300);
  const mails = smtp.files();
  expect(mails).toHaveLength(3);
  const events = parseIcs(mails);
  expect(events.map((e) => `${e.method} ${e.sequence} ${e.status} ${e.local}`)).toEqual([
    `REQUEST 0 CONFIRMED ${a.iso.slice(0, 16)}${a.iso.slice(16).replace(":", "")}`,
    `REQUEST 1 CONFIRMED ${b.iso.slice(0, 16)}${b.iso.slice(16).replace(":", "")}`,
    `CANCEL 2 CANCELLED ${b.iso.slice(0, 16)}${b.iso.slice(16).replace(":", "")}`,
  ]);
  expect(new Set(events.map((e) => e.uid)).size).toBe(1);
  expect(events.every((e) => e.tzid === zone && e.location === "Riverside Clinic, 1 High St, Leeds")).toBe(true);
  expect(events[0]!.utc).toBe(new Date(a.ms).toISOString().replace(".000", ""));
  const first = await Bun.file(mails[0]!).text();
  expect(first).toMatch(/^Message-ID:\s+<booked\.0\.email\.[0-9a-f-]+@healthcenter>\r\n/m);
  expect(first).toMatch(/^Idempotency-Key:\s+booked\.0\.email\./m);
  expect(first).toContain("Your appointment is booked:");

  expect(hook.received.map((h) => h.body.kind)).toEqual(["booked", "moved", "cancelled"]);
  for (const h of hook.received) {
    expect(h.signature).toBe(`sha256=${createHmac("sha256", "s3cret").update(h.raw).digest("hex")}`);
    expect(h.key).toBe(String(h.body.key));
    expect(h.body.phone).toBe("+15550100");
  }
  expect(hook.received[1]!.body.start).toBe(`${b.iso.slice(0, 16)}:00${b.iso.slice(16)}[${zone}]`);
  // patient2's confirmations: skipped with the reason, each channel on its own row.
  const d = new Database(db[1]!, { readonly: true });
  const rows = d
    .query("SELECT kind, channel, state, last_error FROM outbox WHERE patient = 'patient2' AND kind = 'booked'")
    .all();
  d.close();
  expect(rows).toEqual([
    { kind: "booked", channel: "email", state: "skipped", last_error: "no email" },
    { kind: "booked", channel: "webhook", state: "skipped", last_error: "no contact" },
  ]);
  expect(server.stderr.text + server.stdout.text).toContain("patient2 has no email; booked skipped");

  // /metrics and the staff page show the outbox: patient2's reminders pending, nothing failed.
  const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
  const metrics = async () => await (await fetch(`${base}/metrics`)).text();
  await within(1000, async () => metric(await metrics(), "hcs_outbox_sent") === 6);
  const text = await metrics();
  expect([metric(text, "hcs_outbox_failed"), metric(text, "hcs_outbox_skipped")]).toEqual([0, 2]);
  expect([metric(text, "hcs_outbox_pending"), metric(text, "hcs_outbox_no_contact_total")]).toEqual([2, 2]);
  expect(metric(text, "hcs_outbox_records_unfollowed")).toBe(0);
  expect((await fetch(`${base}/api/outbox`)).status).toBe(401);
  const signin = await fetch(`${base}/api/signin`, {
    method: "POST",
    body: new URLSearchParams({ token: staff_token }),
  });
  const cookie = signin.headers.get("set-cookie")!.split(";")[0]!;
  const view = (await (await fetch(`${base}/api/outbox`, { headers: { Cookie: cookie } })).json()) as any;
  expect(view.counts).toEqual({ pending: 2, sent: 6, failed: 0, skipped: 2 });
  expect(view.pending.map((m: { patient: string; kind: string }) => `${m.patient} ${m.kind}`)).toEqual([
    "patient2 reminder",
    "patient2 reminder",
  ]);
  c.close();
  other.close();
});

test("[notify] on a server without a calendar is said at start-up, not silently ignored", async () => {
  writeFileSync(join(tmp.dir, "classic.toml"), `[notify]\nwebhook_secret_file = "hook.secret"\n`);
  writeFileSync(join(tmp.dir, "hook.secret"), "s3cret\n");
  const args = ["--db", join(tmp.dir, "classic.db"), "--config", join(tmp.dir, "classic.toml")];
  const server = await startServer([...args, "--webhook", "http://127.0.0.1:9/"]);
  running.push(server.proc);
  await server.stderr.waitFor(/confirmations and reminders need a calendar/);
  // A bad webhook URL is refused at start-up with one line.
  const bad = await runToEnd([bun, "roles/healthcenterserver.ts", ...args, "--webhook", "ftp://x", "--port", "0"]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('webhook "ftp://x": expected http://HOST[:PORT]/PATH or https://...');
});

// The sender driven by a given clock (no sleeping for hours): a reminder across a daylight-saving
// change goes out at 09:00 local the day before, read back by python3-icalendar; and every bad
// receiver ends in a counted retry or failure, never a stuck sender or a blocked booking: a webhook
// answering 500 (backoff, then failed after the limit), one that hangs, a 10 MB answer, an unreachable
// relay, a relay refusing AUTH, an invalid address, an address with a line break in it. And a small outbox is
// counted after every pass however slow its read by the clock.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { outbox_attempts_max, notify_send_timeout_ms } from "../shared/limits.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { Mailer } from "../roles/healthcenterserver/notify/email.ts";
import { backoffMs, type SenderParts } from "../roles/healthcenterserver/notify/sender.ts";
import type { Channel } from "../roles/healthcenterserver/notify/outbox-plan.ts";
import { tempDir } from "./helpers.ts";
import { calendar, clinic, london, parseIcs, startSmtpSink, testSender, webhookReceiver } from "./notify-helpers.ts";

const tmp = tempDir();
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  tmp.cleanup();
});
let n = 0;
const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;
const contact = { email: "patient1@example.org", phone: "+15550100" };

/** A calendar with the outbox on for `channels`, a sender on it whose clock is `clock.now`. */
async function setup(channels: Channel[], parts: Partial<SenderParts>) {
  const cal = await calendar(join(tmp.dir, `f${++n}.db`), undefined, channels);
  // Real time until a test sets it (a booking's confirmation is due at the commit's real time).
  const clock: { now: number } = { now: Number.NaN };
  const sender = testSender(cal, {
    contactOf: () => contact,
    now: () => (Number.isNaN(clock.now) ? Date.now() : clock.now),
    ...parts,
  });
  cleanups.push(() => cal.close());
  return { ...cal, sender, clock };
}

/** A slot of doc1 at a local time; the appointment is 15 minutes. */
const slotAt = (iso: string) => slotId(1, ms(iso));
const book = (store: { commit: Function }, id: number) =>
  store.commit([{ kind: "book", index: id, patient: "patient1" }]);

test("a reminder across the spring clock change goes out at 09:00 local the day before, not an hour off", async () => {
  const smtp = await startSmtpSink(join(tmp.dir, "mail-dst"));
  cleanups.push(() => smtp.proc.kill());
  const mailer = new Mailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: clinic.from });
  const { store, sender, clock, rows } = await setup(["email"], { mailer });
  // Sunday 28 March 2027, 09:00 BST (08:00Z): London's clocks went forward at 01:00Z that morning.
  await book(store, slotAt("2027-03-28T08:00:00Z"));
  clock.now = ms("2027-03-27T08:59:00Z");
  expect(await sender.pass()).toBe(1); // the confirmation only
  clock.now = ms("2027-03-27T09:00:00Z"); // 09:00 GMT on Saturday: 23 real hours before
  expect(await sender.pass()).toBe(1);
  expect((await rows()).map((r) => `${r.kind} ${r.state}`)).toEqual(["booked sent", "reminder sent"]);
  const events = parseIcs(smtp.files());
  expect(events.map((e) => `${e.method} ${e.sequence} ${e.tzid} ${e.local} ${e.utc}`)).toEqual([
    "REQUEST 0 Europe/London 2027-03-28T09:00+0100 2027-03-28T08:00:00Z",
    "REQUEST 0 Europe/London 2027-03-28T09:00+0100 2027-03-28T08:00:00Z",
  ]);
  expect(await Bun.file(smtp.files()[1]!).text()).toContain("Subject: Reminder: your appointment with doc1");
  await sender.stop();
});

test("a webhook answering 500 is retried with doubling backoff, the same key each time, and fails after the limit", async () => {
  const hook = webhookReceiver(() => new Response("down", { status: 500 }));
  cleanups.push(() => hook.server.stop(true));
  const webhook = { url: `http://127.0.0.1:${hook.server.port}/`, secret: "k" };
  const { store, sender, clock, rows } = await setup(["webhook"], { webhook });
  const start = Temporal.Now.plainDateISO(london)
    .add({ days: 30 })
    .toZonedDateTime({ timeZone: london, plainTime: "10:00" });
  await book(store, slotId(1, start.epochMilliseconds));
  clock.now = start.epochMilliseconds - 20 * 86_400_000 - 12 * 3_600_000; // 10:00 or so: not quiet
  clock.now = Temporal.Instant.fromEpochMilliseconds(clock.now)
    .toZonedDateTimeISO(london)
    .startOfDay()
    .add({ hours: 12 }).epochMilliseconds;
  for (let i = 1; i <= outbox_attempts_max; i++) {
    expect(await sender.pass()).toBe(1);
    expect(await sender.pass()).toBe(0); // not again before its backoff
    clock.now += backoffMs(i);
  }
  const [row] = (await rows()).filter((r) => r.kind === "booked");
  expect(row).toMatchObject({ state: "failed", last_error: `webhook ${webhook.url} answered 500` });
  expect(hook.received).toHaveLength(outbox_attempts_max);
  expect(new Set(hook.received.map((h) => h.key)).size).toBe(1);
  expect(sender.counts.failed).toBe(1);
  await sender.stop();
});

test("a small outbox is counted after every pass, even when reading the counts is slow by the clock", async () => {
  const hook = webhookReceiver();
  cleanups.push(() => hook.server.stop(true));
  const cal = await calendar(join(tmp.dir, `f${++n}.db`), undefined, ["webhook"]);
  cleanups.push(() => cal.close());
  // Each read of the counts takes 5 ms by the clock, as it does on a loaded machine while the thread waits
  // for a core: a few rows are not the costly read the spacing is for (counts.failed was 0 beside a CPU hog).
  const db = new Proxy(cal.db!, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      if (key !== "all") return value.bind(target);
      return async (sql: string, ...rest: unknown[]) => {
        if (sql.includes("GROUP BY state")) await Bun.sleep(5);
        return value.call(target, sql, ...rest);
      };
    },
  });
  const start = Temporal.Now.plainDateISO(london).add({ days: 30 });
  const at = (time: string) => start.toZonedDateTime({ timeZone: london, plainTime: time }).epochMilliseconds;
  const noon = Temporal.Now.plainDateISO(london).add({ days: 1 });
  const now = noon.toZonedDateTime({ timeZone: london, plainTime: "12:00" }).epochMilliseconds; // not quiet
  const webhook = { url: `http://127.0.0.1:${hook.server.port}/`, secret: "k" };
  const sender = testSender({ ...cal, db }, { webhook, contactOf: () => contact, now: () => now });
  for (const [i, time] of ["10:00", "11:00", "12:00"].entries()) {
    await book(cal.store, slotId(1, at(time)));
    expect(await sender.pass()).toBe(1);
    expect(await sender.pass()).toBe(0); // an idle pass reads the counts
    expect(sender.counts.sent).toBe(i + 1);
  }
  await sender.stop();
});

test("a webhook that hangs is cut at the deadline and retried; a 10 MB answer is not read; bookings go on", async () => {
  let calls = 0;
  const hook = webhookReceiver(() =>
    ++calls === 1 ? new Promise<Response>(() => {}) : new Response("x".repeat(10 * 1024 * 1024)),
  );
  cleanups.push(() => hook.server.stop(true));
  const webhook = { url: `http://127.0.0.1:${hook.server.port}/`, secret: "k" };
  const { store, sender, clock, rows } = await setup(["webhook"], { webhook, quiet: undefined });
  const day = Temporal.Now.plainDateISO(london).add({ days: 3 });
  const at = (t: string) => slotId(1, day.toZonedDateTime({ timeZone: london, plainTime: t }).epochMilliseconds);
  await book(store, at("10:00"));
  const started = Date.now();
  const passing = sender.pass();
  // While the send hangs, bookings commit at once.
  const t0 = performance.now();
  expect(await book(store, at("11:00"))).toEqual([{ kind: "done" }]);
  expect(performance.now() - t0).toBeLessThan(1000);
  await passing;
  expect(Date.now() - started).toBeLessThan(notify_send_timeout_ms + 5000);
  const first = (await rows()).find((r) => r.kind === "booked")!;
  expect(first).toMatchObject({ state: "pending", last_error: `webhook ${webhook.url}: no answer in time` });
  clock.now = Date.now() + backoffMs(1) + notify_send_timeout_ms * 3;
  const t1 = performance.now();
  // The hung confirmation again (the second booking's went in the first pass or goes in this one).
  expect(await sender.pass()).toBeGreaterThanOrEqual(1);
  expect(performance.now() - t1).toBeLessThan(notify_send_timeout_ms);
  expect((await rows()).filter((r) => r.kind === "booked").map((r) => r.state)).toEqual(["sent", "sent"]);
  await sender.stop();
}, 60_000);

test("SMTP faults: unreachable relay and refused AUTH are retried; a bad or multi-line address fails at once", async () => {
  const smtp = await startSmtpSink(join(tmp.dir, "mail-auth"), "clinic:right");
  cleanups.push(() => smtp.proc.kill());
  const cases: [string, Mailer, string, string, RegExp][] = [
    [
      "unreachable",
      new Mailer({ url: "smtp://127.0.0.1:9", from: clinic.from }),
      contact.email,
      "pending",
      /ECONNREFUSED|ECONNECTION/,
    ],
    [
      "wrong password",
      new Mailer({ url: `smtp://127.0.0.1:${smtp.port}`, user: "clinic", password: "wrong", from: clinic.from }),
      contact.email,
      "pending",
      /EAUTH|535/,
    ],
    [
      "invalid",
      new Mailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: clinic.from }),
      "not-an-address",
      "failed",
      /not a valid email address/,
    ],
    [
      "injection",
      new Mailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: clinic.from }),
      "a@example.org\r\nBcc: evil@example.org",
      "failed",
      /has a line break/,
    ],
  ];
  for (const [name, mailer, email, state, error] of cases) {
    const { store, sender, rows } = await setup(["email"], { mailer, quiet: undefined, contactOf: () => ({ email }) });
    const day = Temporal.Now.plainDateISO(london).add({ days: 3 });
    await book(store, slotId(1, day.toZonedDateTime({ timeZone: london, plainTime: "10:00" }).epochMilliseconds));
    expect(await sender.pass()).toBe(1);
    const row = (await rows()).find((r) => r.kind === "booked")! as unknown as Record<string, unknown>;
    expect([name, row.state]).toEqual([name, state]);
    expect(String(row.last_error)).toMatch(error);
    await sender.stop();
  }
  expect(smtp.files()).toEqual([]);
}, 60_000);

// The outbox's follower may be behind the trail (it yields to bookings, 100 records a pass): a change is
// committed before its messages are written, and before the pending reminder it withdraws is withdrawn.
// Then a reminder that comes due must not go out for an appointment cancelled or moved meanwhile
// (issue 24: never for an appointment cancelled), and `audit archive` must not take the records the
// follower has not turned into messages yet. And the followers, which write every second on the
// server's thread, never stop it while another process holds the SQLite file's write lock.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { outbox_yield_follow, outbox_yield_lag_max_ms } from "../shared/limits.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { OutboxSender } from "../roles/healthcenterserver/notify/sender.ts";
import { archiveAudit } from "../roles/healthcenterserver/commands/audit-archive.ts";
import { bun, child_env, Output, root, tempDir } from "./helpers.ts";
import { calendar, london, testSender, webhookReceiver } from "./notify-helpers.ts";

const tmp = tempDir();
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  tmp.cleanup();
});
let n = 0;
const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;

/** A calendar with the webhook on; a sender whose clock is `clock.now` and that yields to bookings. */
async function setup() {
  const cal = await calendar(join(tmp.dir, `lag${++n}.db`), undefined, ["webhook"]);
  const hook = webhookReceiver();
  const clock = { now: Date.now() };
  const sender = testSender(cal, {
    webhook: { url: `http://127.0.0.1:${hook.server.port}/`, secret: "k" },
    bookingsBusy: () => true,
    now: () => clock.now,
  });
  cleanups.push(
    () => hook.server.stop(true),
    () => cal.close(),
  );
  return { ...cal, hook, clock, sender };
}

/** Records the outbox's follower has to read past before it reaches what comes after them. */
async function recordsAhead(store: { appendAudit?: Function }, count: number) {
  for (let i = 0; i < count; i++)
    await store.appendAudit!({
      atMs: Date.now(),
      actor: "alice",
      role: "front-desk",
      via: "staff-page",
      address: "127.0.0.1",
      action: "schedule.read",
      subject: "schedule",
      before: "",
      after: "",
      reason: "",
    });
}

/** Passes until nothing is due and the follower has caught up (a bounded count). */
async function drain(sender: OutboxSender) {
  for (let i = 0; i < 10; i++) if ((await sender.pass()) === 0 && sender.unfollowed === 0) return;
  throw new Error("the sender did not settle in 10 passes");
}

// Monday 10 May 2027, 10:00 BST: its reminder is due at 10:00 BST the day before.
const start = ms("2027-05-10T09:00:00Z");
const reminderDue = ms("2027-05-09T09:00:00Z");
const sentKinds = (hook: { received: { body: Record<string, unknown> }[] }) =>
  hook.received.map((h) => `${h.body.kind} ${h.body.sequence}`);

test("a reminder due while the follower has not reached the cancellation is not sent", async () => {
  const { store, hook, clock, sender, rows } = await setup();
  const a = slotId(1, start);
  await store.commit([{ kind: "book", index: a, patient: "patient1" }]);
  expect((await rows()).map((r) => `${r.kind} ${r.state}`)).toEqual(["booked pending", "reminder pending"]);
  await recordsAhead(store, outbox_yield_follow);
  await store.commit([{ kind: "cancel", index: a, patient: "patient1" }]);
  clock.now = reminderDue + 60_000;
  await sender.pass(); // follows the records ahead only, then sends what is due
  expect(sentKinds(hook)).not.toContain("reminder 0");
  await drain(sender);
  expect(sentKinds(hook).sort()).toEqual(["booked 0", "cancelled 1"]);
  await sender.stop();
});

test("a reminder of the old time due while the follower has not reached the move is not sent", async () => {
  const { store, hook, clock, sender, rows } = await setup();
  const [a, b] = [slotId(1, start), slotId(1, start + 3_600_000)];
  await store.commit([{ kind: "book", index: a, patient: "patient1" }]);
  await rows();
  await recordsAhead(store, outbox_yield_follow);
  await store.commit([{ kind: "move", from: a, to: b, patient: "patient1" }]);
  clock.now = reminderDue + 60_000; // the old time's reminder is due, the new one's in an hour
  await sender.pass();
  expect(sentKinds(hook)).not.toContain("reminder 0");
  await drain(sender);
  expect(sentKinds(hook).sort()).toEqual(["booked 0", "moved 1"]);
  expect((await rows()).filter((r) => r.kind === "reminder").map((r) => `${r.seq} ${r.state}`)).toEqual([
    "0 withdrawn",
    "1 pending",
  ]);
  await sender.stop();
});

test("audit archive keeps the records the outbox's follower has not reached; their messages are written", async () => {
  const { store, db, rows } = await setup();
  await store.commit([{ kind: "book", index: slotId(1, start), patient: "patient1" }]);
  const file = join(tmp.dir, "archive.jsonl");
  const tomorrow = Date.now() + 86_400_000;
  const said = await archiveAudit(db!, tomorrow, file, join(tmp.dir, "archive.key"));
  expect(said).not.toContain("archived 1 ");
  expect((await rows()).map((r) => `${r.kind} ${r.state}`)).toEqual(["booked pending", "reminder pending"]);
  // Once followed, the record can go.
  expect(await archiveAudit(db!, tomorrow, join(tmp.dir, "archive2.jsonl"), join(tmp.dir, "archive.key"))).toContain(
    "archived 1 audit records",
  );
});

/** Another process holding the file's write lock (BEGIN IMMEDIATE) until its stdin closes. */
async function holdLock(path: string) {
  const holder = `
    import { Database } from "bun:sqlite";
    const db = new Database(process.argv[1]);
    db.run("BEGIN IMMEDIATE");
    console.log("locked");
    for await (const _ of Bun.stdin.stream()) {}
    db.run("ROLLBACK");
    db.close();
  `;
  const proc = Bun.spawn([bun, "-e", holder, path], { cwd: root, env: child_env, stdin: "pipe", stdout: "pipe" });
  await new Output(proc.stdout).waitFor(/locked/);
  return { release: async () => (await proc.stdin.end(), proc.exited) };
}

test("another process holding the write lock: the followers give up the pass at once, then catch up", async () => {
  const path = join(tmp.dir, "locked.db");
  const cal = await calendar(path, undefined, ["webhook"]);
  cleanups.push(() => cal.close());
  await cal.store.commit([{ kind: "book", index: slotId(1, start), patient: "patient1" }]);
  const holder = await holdLock(path);
  // SQLite's busy timeout (5 s on this connection) would stop the server's thread inside each of them.
  let started = performance.now();
  await expect(cal.store.indexAudit!(100)).rejects.toMatchObject({ code: "SQLITE_BUSY" });
  expect(performance.now() - started).toBeLessThan(1_000);
  started = performance.now();
  await expect(cal.follow()).rejects.toMatchObject({ code: "SQLITE_BUSY" });
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(await holder.release()).toBe(0);
  expect(await cal.store.indexAudit!(100)).toBe(1);
  expect((await cal.rows()).map((r) => `${r.kind} ${r.state}`)).toEqual(["booked pending", "reminder pending"]);
});

test("a storm never delays messages without bound: after 5 minutes behind, the sender works at full pace", async () => {
  const { store, sender, clock } = await setup();
  // 350 bookings' records and confirmations: more than two yielding passes take (100 records each).
  const first = Temporal.Now.plainDateISO(london)
    .add({ days: 3 })
    .toZonedDateTime({ timeZone: london }).epochMilliseconds;
  const batch = Array.from({ length: 350 }, (_, k) => ({
    kind: "book" as const,
    index: slotId(1, first + k * 15 * 60_000),
    patient: "patient1",
  }));
  expect((await store.commit(batch)).every((r) => r.kind === "done")).toBe(true);
  const t0 = Date.now();
  clock.now = t0;
  expect(await sender.pass()).toBeLessThanOrEqual(20);
  expect(sender.unfollowed).toBe(250);
  clock.now = t0 + 60_000;
  await sender.pass();
  expect(sender.unfollowed).toBe(150);
  // Behind for longer than the bound, with bookings still coming in: full pace (a full claim, all followed).
  clock.now = t0 + outbox_yield_lag_max_ms + 1_000;
  expect(await sender.pass()).toBe(100);
  expect(sender.unfollowed).toBe(0);
  await sender.stop();
});

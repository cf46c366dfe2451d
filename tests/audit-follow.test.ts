// The audit trail's followers (store/audit-follow.ts): the index of records by subject and the outbox
// are written after a change's commit, from its record, with the follower's cursor moved in the same
// transaction; the booking's own commit writes neither. On SQLite and on a real PostgreSQL.
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { followChanges, unfollowed } from "../roles/healthcenterserver/notify/outbox-follower.ts";
import { subjectSeqsSql } from "../roles/healthcenterserver/store/audit-records.ts";
import { tempDir } from "./helpers.ts";
import { calendar, london, testSender, webhookReceiver } from "./notify-helpers.ts";
import { postgresForFile } from "./pg-file.ts";

const tmp = tempDir();
const cluster = postgresForFile(() => tmp.cleanup());
const pgTest = cluster.pgTest;

const startAt = (days: number, time: string) =>
  Temporal.Now.plainDateISO(london).add({ days }).toZonedDateTime({ timeZone: london, plainTime: time })
    .epochMilliseconds;

async function indexedAfterCommit(dbPath: string, dbPasswordFile?: string) {
  const cal = await calendar(dbPath, dbPasswordFile, ["webhook"]);
  const [a, b] = [slotId(1, startAt(3, "10:00")), slotId(1, startAt(3, "11:00"))];
  const cursor = async (name: string) =>
    Number((await cal.db!.all("SELECT seq FROM audit_followers WHERE name = ?", [name]))[0]!.seq);
  const indexed = async () => (await cal.db!.all("SELECT subject, seq FROM audit_subjects ORDER BY seq")).length;
  const before = { subjects: await cursor("subjects"), outbox: await cursor("outbox"), indexed: await indexed() };
  await cal.store.commit([{ kind: "book", index: a, patient: "patient1" }]);
  await cal.store.commit([{ kind: "move", from: a, to: b, patient: "patient1" }]);
  // The commits wrote their records, and nothing of the followers'.
  expect(await indexed()).toBe(before.indexed);
  expect((await cal.db!.all("SELECT count(*) AS n FROM outbox"))[0]!.n).toBe(cal.db!.kind === "sqlite" ? 0 : "0");
  // The history finds records past the cursor at the trail's end...
  const story = async () => (await cal.store.auditOfSubjects!([`slot ${a}`, `slot ${b}`], 50)).map((r) => r.action);
  expect(await story()).toEqual(["booking.booked", "booking.moved"]);
  // ...and, once the follower has run, through the index, the cursor moved past them in its transaction.
  expect(await cal.store.indexAudit!(1000)).toBe(2);
  expect(await indexed()).toBe(before.indexed + 2);
  expect(await cursor("subjects")).toBe(before.subjects + 2);
  expect(await story()).toEqual(["booking.booked", "booking.moved"]);
  expect(await cal.store.indexAudit!(1000)).toBe(0);
  // The outbox's follower, on its own cursor: the two changes' messages, once.
  expect(await unfollowed(cal.db!)).toBe(2);
  const followed = await followChanges(cal.db!, cal.policy, 1000);
  expect(followed).toEqual({ records: 2, messages: 4, unreadable: 0 });
  expect(await followChanges(cal.db!, cal.policy, 1000)).toEqual({ records: 0, messages: 0, unreadable: 0 });
  expect(await unfollowed(cal.db!)).toBe(0);
  expect((await cal.rows()).map((r) => `${r.kind} ${r.seq} ${r.state}`)).toEqual([
    "booked 0 pending",
    "reminder 0 withdrawn",
    "moved 1 pending",
    "reminder 1 pending",
  ]);
  expect(await cursor("outbox")).toBe(before.outbox + 2);
  await cal.close();
}

test("SQLite: the index by subject and the outbox are written after the commit, each follower's cursor with them", async () => {
  await indexedAfterCommit(join(tmp.dir, "follow.db"));
});

pgTest("PostgreSQL: the same, the followers' cursors moved in their own transactions", async () => {
  cluster.pg.createDatabase("follow");
  await indexedAfterCommit(cluster.pg.url("follow"), cluster.pg.passwordFile);
});

pgTest("PostgreSQL: two followers at once take turns on the cursor; every message is written once", async () => {
  cluster.pg.createDatabase("follow2");
  const one = await calendar(cluster.pg.url("follow2"), cluster.pg.passwordFile, ["webhook"]);
  const two = await calendar(cluster.pg.url("follow2"), cluster.pg.passwordFile, ["webhook"]);
  for (let i = 0; i < 40; i++)
    await (i % 2 ? one : two).store.commit([
      { kind: "book", index: slotId(1, startAt(3, "08:00") + i * 15 * 60_000), patient: `patient${(i % 2) + 1}` },
    ]);
  let records = 0;
  for (let round = 0; round < 20 && records < 40; round++) {
    const [a, b] = await Promise.all([followChanges(one.db!, one.policy, 7), followChanges(two.db!, two.policy, 7)]);
    records += a.records + b.records;
  }
  expect(records).toBe(40);
  const rows = await one.db!.all("SELECT uid, kind, count(*)::int AS n FROM outbox GROUP BY uid, kind");
  expect(rows.length).toBe(80);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  await one.close();
  await two.close();
});

/**
 * A front desk moves a 07:30 appointment to 10:00 at 22:00 the evening before, in quiet hours (21:00-08:00):
 * the follower's "moved" row carries the old start, and the sender sends it at once (the patient would
 * set out for 07:30 before 08:00), while the new time's reminder waits for the quiet hours' end.
 */
const localTime = (t: number) =>
  Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(london).toString().slice(11, 16);

async function moveOutOfTheEarlyMorning(dbPath: string, dbPasswordFile?: string) {
  const cal = await calendar(dbPath, dbPasswordFile, ["webhook"]);
  const hook = webhookReceiver();
  const clock = { now: startAt(2, "12:00") };
  const sender = testSender(cal, {
    contactOf: () => ({ email: "patient1@example.org" }),
    webhook: { url: `http://127.0.0.1:${hook.server.port}/`, secret: "k" },
    now: () => clock.now,
  });
  const sent = () =>
    hook.received.map((h) => `${h.body.kind} ${h.body.sequence} ${String(h.body.start).slice(11, 16)}`);
  try {
    const [early, later] = [slotId(1, startAt(3, "07:30")), slotId(1, startAt(3, "10:00"))];
    await cal.store.commit([{ kind: "book", index: early, patient: "patient1" }]);
    await sender.pass(); // noon the day before: the confirmation and the reminder go
    expect(sent()).toEqual(["booked 0 07:30", "reminder 0 07:30"]);
    await cal.store.commit([{ kind: "move", from: early, to: later, patient: "patient1" }]);
    clock.now = startAt(2, "22:00");
    await sender.pass();
    expect(sent()).toEqual(["booked 0 07:30", "reminder 0 07:30", "moved 1 10:00"]);
    const planned = await cal.db!.all("SELECT kind, old_start_ms FROM outbox WHERE seq = 1 ORDER BY id");
    expect(
      planned.map((r) => `${r.kind} ${r.old_start_ms === null ? "-" : localTime(Number(r.old_start_ms))}`),
    ).toEqual(["moved 07:30", "reminder -"]);
    const waiting = await cal.db!.all("SELECT kind, seq, next_ms FROM outbox WHERE state = 'pending'");
    expect(waiting.map((r) => `${r.kind} ${r.seq} ${Number(r.next_ms) === startAt(3, "08:00")}`)).toEqual([
      "reminder 1 true",
    ]);
  } finally {
    await sender.stop();
    hook.server.stop(true);
    await cal.close();
  }
}

test("SQLite: a move at 22:00 from 07:30 to 10:00 is sent at once, judged by the earlier of its two starts", async () => {
  await moveOutOfTheEarlyMorning(join(tmp.dir, "quiet-move.db"));
});

pgTest("PostgreSQL: the same move's message is sent at once", async () => {
  cluster.pg.createDatabase("quietmove");
  await moveOutOfTheEarlyMorning(cluster.pg.url("quietmove"), cluster.pg.passwordFile);
});

test("the history's read uses the index and the trail's order, never a scan of the whole trail", async () => {
  const path = join(tmp.dir, "plan.db");
  const cal = await calendar(path, undefined, ["webhook"]);
  await cal.close();
  const db = new Database(path, { readonly: true });
  const sql = `SELECT seq FROM audit WHERE seq IN (${subjectSeqsSql("?")}) ORDER BY seq DESC LIMIT 50`;
  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all("slot 1", "slot 1") as { detail: string }[])
    .map((p) => p.detail)
    .join("\n");
  db.close();
  expect(plan).toContain("audit_subjects");
  expect(plan).not.toMatch(/SCAN audit\b(?! USING)/);
});

test("a change whose caller named nobody still gets its messages: its record says so (role unknown)", async () => {
  const cal = await calendar(join(tmp.dir, "nobody.db"), undefined, ["webhook"]);
  const unwrapped = Object.getPrototypeOf(cal.store).commit.bind(cal.store);
  const slot = slotId(1, startAt(4, "09:00"));
  expect(await unwrapped([{ kind: "book", index: slot, patient: "patient1" }])).toEqual([{ kind: "done" }]);
  const [record] = await cal.db!.all("SELECT actor, role, via, action FROM audit ORDER BY seq DESC LIMIT 1");
  expect(record).toEqual({ actor: "", role: "unknown", via: "unknown", action: "booking.booked" });
  expect((await cal.rows()).map((r) => r.kind)).toEqual(["booked", "reminder"]);
  await cal.close();
});

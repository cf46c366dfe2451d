// PgMirror (roles/healthcenterserver/store/postgres/pg-mirror.ts) driven deterministically: a fake SQL
// whose reads stay on the wire until the test answers them, with the snapshot the test chooses, and a
// real Schedule. Each interleaving its header describes is one test, and each guard has a test that
// fails without it: the `isPending`, `inCommit` and `touched` guards, one read at a time, a skipped
// slot read again once it leaves the commit, own notices ignored (but a doubtful commit's notice
// followed), a failed read retried, and a lost connection polled.
import { afterEach, expect, test } from "bun:test";
import type { SQL } from "bun";
import { openSync } from "node:fs";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import { Log } from "../shared/log.ts";
import type { Slot } from "../shared/datafiles.ts";
import { database_read_page_slots } from "../shared/limits.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { PgMirror } from "../roles/healthcenterserver/store/postgres/pg-mirror.ts";
import { bookingsSource } from "../roles/healthcenterserver/store/postgres/pg-bookings.ts";

type Row = { slot: number; patient: string };

/** One read on the wire: which slots it asked for (undefined: all), answered when the test says. */
class Read {
  settled = false;
  private readonly done = Promise.withResolvers<Row[]>();
  constructor(readonly slots: number[] | undefined) {}
  get promise(): Promise<Row[]> {
    return this.done.promise;
  }
  /** Answers with `db` as the snapshot (only the asked slots, as the real query would). */
  answer(db: Map<number, string>): void {
    const rows = [...db].map(([slot, patient]) => ({ slot, patient }));
    this.settled = true;
    this.done.resolve(this.slots ? rows.filter((r) => this.slots!.includes(r.slot)) : rows);
  }
  fail(message: string): void {
    this.settled = true;
    this.done.reject(new Error(message));
  }
}

/** The SQL the mirror sees: reads are recorded and wait; LISTEN hands the test its callbacks. */
class FakeSql {
  readonly reads: Read[] = [];
  onNotice: (payload: string) => void = () => {};
  onListening: () => void = () => {};
  readonly sql: SQL;

  constructor() {
    const query = (_strings: TemplateStringsArray, ...values: unknown[]) => {
      const read = new Read(values[0] as number[] | undefined);
      return { execute: () => (this.reads.push(read), read.promise) };
    };
    const listen = async (_channel: string, onNotice: (p: string) => void, onListening: () => void) => {
      this.onNotice = onNotice;
      this.onListening = onListening;
      return { unlisten: async () => {} };
    };
    this.sql = Object.assign(query, { listen }) as unknown as SQL;
  }

  /** Reads not yet answered. */
  get open(): Read[] {
    return this.reads.filter((r) => !r.settled);
  }

  /** The one read on the wire (the mirror never has two). */
  current(): Read {
    expect(this.open).toHaveLength(1);
    return this.open[0]!;
  }
}

const devNull = openSync("/dev/null", "w");
const mirrors: PgMirror[] = [];
afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.close();
});

/** A mirror over a seed schedule (or `slots`); `pending` stands in for the Booker's unconfirmed slots. */
async function harness(slots?: Slot[]) {
  const schedule = new Schedule(slots ?? parseSlots("availabilities.txt", embedded["availabilities.txt"]!));
  const fake = new FakeSql();
  const log = new Log({ quiet: true, fd: devNull, errFd: devNull });
  const mirror = new PgMirror(fake.sql, schedule, "me", "fake:5432/db", log, bookingsSource(fake.sql));
  mirrors.push(mirror);
  const pending = new Set<number>();
  mirror.attach((i) => pending.has(i));
  await mirror.listen();
  const published: { index: number; holder: string | undefined }[] = [];
  schedule.changes.subscribe((c) => published.push(c));
  /** Another instance committed these slots. */
  const notice = (from: string, ...slots: number[]) => fake.onNotice(`${from} ${slots.join(",")}`);
  return { schedule, fake, mirror, pending, published, notice };
}

/** Lets the mirror's continuations run (the answer is applied, the next read starts). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

test("another instance's notice: the slots are read again, never taken from the message", async () => {
  const { schedule, fake, notice, published } = await harness();
  notice("other", 1, 2);
  const read = fake.current();
  expect(read.slots).toEqual([1, 2]);
  expect(schedule.holderOf(1)).toBeUndefined(); // nothing changes before the database answers
  read.answer(new Map([[1, "x"]]));
  await settle();
  expect(schedule.holderOf(1)).toBe("x");
  expect(schedule.holderOf(2)).toBeUndefined();
  expect(published).toEqual([{ index: 1, holder: "x" }]);
  expect(fake.open).toHaveLength(0);
});

test("this instance's own notices are ignored; one from a program that is not ours is too", async () => {
  const { fake, notice } = await harness();
  notice("me", 1);
  fake.onNotice("garbage");
  expect(fake.reads).toHaveLength(0);
});

test("one read at a time: slots wanted meanwhile go in the next read, so an older answer never lands last", async () => {
  const { schedule, fake, notice } = await harness();
  const db = new Map([[1, "x"]]);
  notice("other", 1);
  const first = fake.current();
  const before = new Map(db); // the first read's snapshot
  db.delete(1); // x cancels on the other instance, which notifies again
  notice("other", 1);
  expect(fake.open).toHaveLength(1);
  first.answer(before);
  await settle();
  expect(schedule.holderOf(1)).toBe("x");
  const second = fake.current();
  expect(second.slots).toEqual([1]);
  second.answer(db);
  await settle();
  expect(schedule.holderOf(1)).toBeUndefined();
});

test("a slot this instance is booking (isPending) is left alone, then read again once its commit settles", async () => {
  const { schedule, fake, mirror, pending, notice } = await harness();
  const db = new Map<number, string>();
  schedule.reserve(2, "p"); // the Booker reserved it; its insert is not sent yet
  pending.add(2);
  notice("other", 2);
  fake.current().answer(db); // the database does not have it yet
  await settle();
  expect(schedule.holderOf(2)).toBe("p");
  expect(fake.open).toHaveLength(0);
  // The commit: in the transaction, stored, recorded by the Booker, then reported committed.
  mirror.committing([2]);
  db.set(2, "p");
  pending.delete(2);
  mirror.committed([2]);
  const again = fake.current(); // the skipped slot is read again once it leaves the commit
  expect(again.slots).toEqual([2]);
  again.answer(db);
  await settle();
  expect(schedule.holderOf(2)).toBe("p");
});

test("a slot in this instance's transaction (inCommit) is left alone: a cancellation's slot stays taken until recorded", async () => {
  const { schedule, fake, mirror, notice, published } = await harness();
  const db = new Map([[3, "p"]]);
  schedule.reserve(3, "p");
  mirror.committing([3]); // p's cancellation is in a transaction
  db.delete(3); // stored, and another instance notified meanwhile
  notice("other", 3);
  fake.current().answer(db);
  await settle();
  expect(schedule.holderOf(3)).toBe("p"); // the Booker frees it when it records the outcome
  expect(published).toEqual([]);
  schedule.release(3); // the Booker's settle
  mirror.committed([3]);
  const again = fake.current();
  expect(again.slots).toEqual([3]);
  db.set(3, "q"); // someone else took it since
  again.answer(db);
  await settle();
  expect(schedule.holderOf(3)).toBe("q");
});

test("a slot in two batches at once stays left alone until the second is recorded too", async () => {
  const { schedule, fake, mirror, notice } = await harness();
  const db = new Map([[3, "p"]]);
  schedule.reserve(3, "p");
  mirror.committing([3]); // p cancels 3 ...
  mirror.committing([3]); // ... and the next batch (p moves into 3 again) takes it before that one's turn
  mirror.committed([3]); // the first batch recorded
  db.delete(3);
  notice("other", 3);
  fake.current().answer(db); // a snapshot between the two commits
  await settle();
  expect(schedule.holderOf(3)).toBe("p");
  db.set(3, "p");
  mirror.committed([3]);
  const again = fake.current();
  expect(again.slots).toEqual([3]);
  again.answer(db);
  await settle();
  expect(schedule.holderOf(3)).toBe("p");
});

test("a slot committed here while a read was on the wire (touched) is not undone by that read's older snapshot", async () => {
  const { schedule, fake, mirror, notice } = await harness();
  const db = new Map([[4, "p"]]);
  schedule.reserve(4, "p");
  notice("other", 4);
  const stale = fake.current();
  const snapshot = new Map(db); // the read's snapshot predates p's cancellation
  mirror.committing([4]);
  db.delete(4);
  schedule.release(4); // the Booker recorded the cancellation
  mirror.committed([4]);
  stale.answer(snapshot);
  await settle();
  expect(schedule.holderOf(4)).toBeUndefined(); // not taken again by the stale answer
  const again = fake.current(); // and read again, to settle it
  expect(again.slots).toEqual([4]);
  again.answer(db);
  await settle();
  expect(schedule.holderOf(4)).toBeUndefined();
  expect(fake.open).toHaveLength(0);
});

test("a subscription (LISTEN, again after a reconnect) reads everything; what memory has wrong is corrected", async () => {
  const { schedule, fake, pending } = await harness();
  schedule.reserve(1, "gone"); // cancelled elsewhere while we did not listen
  schedule.reserve(5, "p"); // ours, not committed yet
  pending.add(5);
  fake.onListening();
  const all = fake.current();
  expect(all.slots).toEqual(schedule.slots.map((s) => s.index)); // every slot: one page of a small schedule
  all.answer(
    new Map([
      [2, "x"],
      [3, "y"],
    ]),
  );
  await settle();
  expect(schedule.holderOf(1)).toBeUndefined();
  expect(schedule.holderOf(2)).toBe("x");
  expect(schedule.holderOf(3)).toBe("y");
  expect(schedule.holderOf(5)).toBe("p");
});

test("a commit reported failed: its slots are read again, and our own notice of it landing later is followed", async () => {
  const { schedule, fake, mirror, notice } = await harness();
  const db = new Map<number, string>();
  mirror.committing([6, 7]);
  mirror.uncertain([6, 7]); // timed out; the Booker released its reservations
  const first = fake.current();
  expect(first.slots).toEqual([6, 7]);
  first.answer(db); // not (yet) stored
  await settle();
  db.set(6, "p"); // it landed after all: our own notice says so
  notice("me", 6);
  const landed = fake.current();
  expect(landed.slots).toEqual([6]);
  landed.answer(db);
  await settle();
  expect(schedule.holderOf(6)).toBe("p");
  notice("me", 6); // once: a notice for it after that is an ordinary own notice
  notice("me", 8);
  expect(fake.open).toHaveLength(0);
});

test("a failed read keeps its slots wanted, says the database does not answer, and is retried", async () => {
  const { schedule, fake, mirror, notice } = await harness();
  notice("other", 1, 2);
  fake.current().fail("connection refused");
  await settle();
  expect(mirror.problem()).toMatch(/does not answer/);
  notice("other", 3);
  expect(fake.open).toHaveLength(0); // it waits for the retry timer, not for every notice
  await until("the retry", () => fake.open.length === 1);
  const retry = fake.current();
  expect([...retry.slots!].sort()).toEqual([1, 2, 3]);
  retry.answer(new Map([[2, "x"]]));
  await settle();
  expect(schedule.holderOf(2)).toBe("x");
  expect(mirror.problem()).toBeUndefined();
});

test("after a lost connection the whole schedule is read on a timer until LISTEN is back", async () => {
  const { schedule, fake, mirror } = await harness();
  mirror.connectionLost();
  await until("a poll", () => fake.open.length === 1);
  const poll = fake.current();
  expect(poll.slots).toEqual(schedule.slots.map((s) => s.index));
  poll.answer(new Map());
  await settle();
  await until("a second poll", () => fake.open.length === 1);
  fake.current().answer(new Map());
  fake.onListening(); // subscribed again: one more full read, and the polling stops
  await settle();
  fake.current().answer(new Map());
  const reads = fake.reads.length;
  await Bun.sleep(1_200);
  expect(fake.reads.length).toBe(reads);
});

test("a full re-read goes a page of slots at a time, each page applied before the next is asked for", async () => {
  const n = 2 * database_read_page_slots + 500;
  const slots = Array.from({ length: n }, (_, i) => ({
    index: i + 1,
    day: "Mon",
    time: "09am",
    doctor: "doc1",
    port: 41000,
  }));
  const { schedule, fake } = await harness(slots);
  schedule.reserve(7, "gone"); // cancelled elsewhere
  const db = new Map([
    [3, "x"],
    [database_read_page_slots + 3, "y"],
    [n, "z"],
  ]);
  fake.onListening();
  const sizes: number[] = [];
  for (let page = 0; page < 3; page++) {
    await until(`page ${page}`, () => fake.open.length === 1);
    const read = fake.current();
    sizes.push(read.slots!.length);
    expect(read.slots![0]).toBe(page * database_read_page_slots + 1);
    read.answer(db);
    await settle();
    if (page === 0) expect(schedule.holderOf(7)).toBeUndefined(); // applied before the next page is read
  }
  expect(sizes).toEqual([database_read_page_slots, database_read_page_slots, 500]);
  expect([schedule.holderOf(3), schedule.holderOf(database_read_page_slots + 3), schedule.holderOf(n)]).toEqual([
    "x",
    "y",
    "z",
  ]);
  expect(fake.open).toHaveLength(0);
});

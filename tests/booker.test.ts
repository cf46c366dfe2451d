// The Booker against fake databases: failing, misbehaving and racing committers.
import { expect, test } from "bun:test";
import { AssertionError } from "../shared/assert.ts";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import {
  Booker,
  type BookingOutcome,
  type CancelOutcome,
  type MoveOutcome,
} from "../roles/healthcenterserver/booking/booker.ts";
import type { Committer } from "../roles/healthcenterserver/store/appointment-store.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import type { Change, ChangeResult } from "../roles/healthcenterserver/store/appointment-store.ts";

const seed = () => new Schedule(parseSlots("availabilities.txt", embedded["availabilities.txt"]!));

/** A committer whose answer a test decides; it records every batch it was given. */
function fakeCommitter(
  answer: (batch: readonly Change[]) => Promise<ChangeResult[]>,
): Committer & { batches: (readonly Change[])[] } {
  const batches: (readonly Change[])[] = [];
  return {
    batches,
    commit: (batch) => {
      batches.push(batch);
      return answer(batch);
    },
    close: async () => {},
  };
}

function book(booker: Booker, index: number, patient: string): Promise<BookingOutcome> {
  return new Promise((resolve) => booker.book(index, patient, resolve));
}

const never = (err: unknown) => {
  throw err;
};

test("bookings of one turn share one commit, and each hears booked only after it", async () => {
  const committer = fakeCommitter(async (batch) => batch.map(() => ({ kind: "done" as const })));
  const booker = new Booker(seed(), committer, never);
  const outcomes = await Promise.all([book(booker, 1, "a"), book(booker, 2, "b"), book(booker, 3, "c")]);
  expect(outcomes.map((o) => o.kind)).toEqual(["booked", "booked", "booked"]);
  expect(committer.batches).toEqual([
    [
      { kind: "book", index: 1, patient: "a" },
      { kind: "book", index: 2, patient: "b" },
      { kind: "book", index: 3, patient: "c" },
    ],
  ]);
});

test("a failed commit answers failed and frees every slot of its batch", async () => {
  const schedule = seed();
  const booker = new Booker(
    schedule,
    fakeCommitter(async () => {
      throw new Error("disk I/O error");
    }),
    never,
  );
  const outcomes = await Promise.all([book(booker, 1, "a"), book(booker, 2, "b")]);
  expect(outcomes).toEqual([
    { kind: "failed", reason: "booking could not be saved (disk I/O error)", unknown: false },
    { kind: "failed", reason: "booking could not be saved (disk I/O error)", unknown: false },
  ]);
  expect(schedule.decide(1).kind).toBe("free");
  expect(schedule.decide(2).kind).toBe("free");
  expect(schedule.freeCount).toBe(6);
});

test("a database that answers fewer results than bookings is a broken invariant, not a notavailable", async () => {
  const broken: unknown[] = [];
  let answered = false;
  const booker = new Booker(
    seed(),
    fakeCommitter(async () => []),
    (err) => broken.push(err),
  );
  booker.book(4, "a", () => {
    answered = true;
  });
  await booker.drain().catch(() => {});
  await Bun.sleep(1);
  expect(broken.length).toBe(1);
  expect(broken[0]).toBeInstanceOf(AssertionError);
  expect(String(broken[0])).toContain("answered 0 results for 1 changes");
  expect(answered).toBe(false);
});

test("a race lost to another process answers notavailable, and memory names the database's holder", async () => {
  const schedule = seed();
  const booker = new Booker(
    schedule,
    fakeCommitter(async () => [{ kind: "taken", holder: "winner" }]),
    never,
  );
  expect(await book(booker, 5, "loser")).toEqual({ kind: "notavailable", slot: schedule.slots.at(4) });
  expect(schedule.holderOf(5)).toBe("winner");
  expect(schedule.decide(5).kind).toBe("notavailable");
  expect(schedule.freeCount).toBe(5);
});

test("invalid and taken slots are answered without a commit, and never synchronously", async () => {
  const committer = fakeCommitter(async (batch) => batch.map(() => ({ kind: "done" as const })));
  const booker = new Booker(seed(), committer, never);
  await book(booker, 2, "a");
  let sync = true;
  const taken = new Promise<BookingOutcome>((resolve) => booker.book(2, "b", resolve)).then((o) => ({ o, sync }));
  const invalid = book(booker, 99, "b");
  sync = false;
  expect((await taken).sync).toBe(false);
  expect((await taken).o.kind).toBe("notavailable");
  expect((await invalid).kind).toBe("invalid");
  expect(committer.batches.length).toBe(1);
});

test("the schedule's change feed hears a booking only once it is committed, and never a failed one", async () => {
  const schedule = seed();
  const heard: unknown[] = [];
  schedule.changes.subscribe((change) => heard.push(change));
  let commitsStarted = 0;
  const committer = fakeCommitter(async (batch) => {
    commitsStarted += 1;
    expect(heard).toEqual([]);
    if (batch[0]!.kind === "book" && batch[0]!.index === 2) throw new Error("disk full");
    return batch.map(() => ({ kind: "done" as const }));
  });
  const booker = new Booker(schedule, committer, never);
  expect(await book(booker, 1, "a")).toMatchObject({ kind: "booked" });
  expect(heard).toEqual([{ index: 1, holder: "a" }]);
  heard.length = 0;
  expect(await book(booker, 2, "b")).toMatchObject({ kind: "failed" });
  expect(heard).toEqual([]);
  expect(commitsStarted).toBe(2);
});

/** A committer whose commits wait until the test lets them go; `release` answers every one so far. */
function heldCommitter() {
  const waiting: (() => void)[] = [];
  const committer = fakeCommitter(
    (batch) => new Promise((resolve) => waiting.push(() => resolve(batch.map(() => ({ kind: "done" as const }))))),
  );
  return { committer, release: () => waiting.splice(0).forEach((go) => go()) };
}

const settle = <T>(fn: (done: (o: T) => void) => void) => new Promise<T>((resolve) => fn(resolve));

test("a cancellation in flight keeps its slot taken; it is free for others only once stored", async () => {
  const schedule = seed();
  const { committer, release } = heldCommitter();
  const booker = new Booker(schedule, committer, never);
  const booked = book(booker, 3, "a");
  await Bun.sleep(1);
  release();
  await booked;
  const cancelled = settle<CancelOutcome>((d) => booker.cancel(3, "a", d));
  await Bun.sleep(1);
  expect(committer.batches.at(-1)).toEqual([{ kind: "cancel", index: 3, patient: "a" }]);
  expect((await book(booker, 3, "b")).kind).toBe("notavailable");
  expect((await booker.mine("a")).map((s) => s.index)).toEqual([3]);
  release();
  expect((await cancelled).kind).toBe("cancelled");
  expect(schedule.decide(3).kind).toBe("free");
  expect(booker.mine("a")).toEqual([]);
});

test("a move whose commit fails keeps the old slot and frees the target it had reserved", async () => {
  const schedule = seed();
  let fail = false;
  const booker = new Booker(
    schedule,
    fakeCommitter(async (batch) => {
      if (fail) throw new Error("disk I/O error");
      return batch.map(() => ({ kind: "done" as const }));
    }),
    never,
  );
  await book(booker, 1, "a");
  fail = true;
  expect(await settle((d) => booker.move(1, 2, "a", d))).toEqual({
    kind: "failed",
    reason: "move could not be saved (disk I/O error)",
    unknown: false,
  });
  expect(schedule.holderOf(1)).toBe("a");
  expect(schedule.decide(2).kind).toBe("free");
  expect(booker.holding("a")).toBe(1);
});

test("the limit counts bookings in flight, and a move in flight counts once", async () => {
  const schedule = seed();
  const { committer, release } = heldCommitter();
  const booker = new Booker(schedule, committer, never, { bookingsPerPatient: 2 });
  const first = book(booker, 1, "a");
  const second = book(booker, 2, "a");
  expect(await book(booker, 3, "a")).toEqual({ kind: "limit", held: 2 });
  await Bun.sleep(1);
  release();
  await Promise.all([first, second]);
  const moved = settle<MoveOutcome>((d) => booker.move(1, 4, "a", d));
  expect(booker.holding("a")).toBe(2);
  expect(await book(booker, 5, "a")).toEqual({ kind: "limit", held: 2 });
  await Bun.sleep(1);
  release();
  expect((await moved).kind).toBe("moved");
  expect((await booker.mine("a")).map((s) => s.index)).toEqual([2, 4]);
});

test("settled(patient) waits for that patient's changes in flight, and only theirs", async () => {
  const { committer, release } = heldCommitter();
  const booker = new Booker(seed(), committer, never);
  expect(booker.settled("a")).toBeUndefined();
  const booked = book(booker, 6, "a");
  let settled = false;
  const waiting = booker.settled("a")!.then(() => (settled = true));
  expect(booker.settled("b")).toBeUndefined();
  await Bun.sleep(1);
  expect(settled).toBe(false);
  release();
  await waiting;
  expect((await booked).kind).toBe("booked");
  expect((await booker.mine("a")).map((s) => s.index)).toEqual([6]);
});

test("behind a commit that hangs, every change is answered in time: the one sent 'unknown', the one queued refused and freed", async () => {
  const schedule = seed();
  let finish: (results: ChangeResult[]) => void = () => {};
  const committer = fakeCommitter(() => new Promise((resolve) => (finish = resolve)));
  const booker = new Booker(schedule, committer, never, { bookingsPerPatient: 0, answerWithinMs: 150 });
  const started = Date.now();
  const sent = book(booker, 1, "a");
  await Bun.sleep(20);
  const queued = book(booker, 2, "b");
  const [first, second] = await Promise.all([sent, queued]);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(first).toMatchObject({ kind: "failed", unknown: true });
  expect(second).toMatchObject({ kind: "failed", unknown: false });
  expect(committer.batches).toEqual([[{ kind: "book", index: 1, patient: "a" }]]);
  expect(schedule.holderOf(2)).toBeUndefined(); // never sent: free again at once
  // The hung commit lands after all: memory follows it, and nobody is answered twice.
  finish([{ kind: "done" }]);
  await booker.drain();
  expect(schedule.holderOf(1)).toBe("a");
  expect((await booker.mine("a")).map((s) => s.index)).toEqual([1]);
});

// The cases every AppointmentStore must pass, one per rule of the contract in
// roles/healthcenterserver/store/appointment-store.ts, run against each store by
// tests/store-conformance.test.ts (as hono runs one case file over all its routers). To add a case,
// append it to `store_cases`; a store that may differ on purpose declares it in that file's `skip`,
// with the reason.
import { expect } from "bun:test";
import type {
  AppointmentStore,
  BookingSink,
  Change,
  ChangeResult,
} from "../roles/healthcenterserver/store/appointment-store.ts";
import type { ClinicPolicy } from "../roles/healthcenterserver/calendar/policy.ts";

/** A store under test: `fresh` opens one on a new, empty database; `reopen` opens that database again. */
export type StoreSubject = {
  name: string;
  /** A calendar's store: dated slots, so the clinic's rules apply. */
  calendar?: boolean;
  fresh(options: { bookingsPerPatient: number; policy?: ClinicPolicy; noShowLimit?: number }): Promise<Opened>;
};
/** `startOf`: a calendar's slot n starts then (UTC ms). */
export type Opened = { store: AppointmentStore; reopen(): Promise<AppointmentStore>; startOf?(slot: number): number };

export type StoreCase = {
  name: string;
  /** The per-patient limit the store is opened with (0, no limit, unless given). */
  bookingsPerPatient?: number;
  /** The clinic's rules the store is opened with: such a case runs on calendar stores only. */
  policy?: ClinicPolicy;
  /** The no-show limit (calendar cases only). */
  noShowLimit?: number;
  run(t: CaseContext): Promise<void>;
};

export type CaseContext = {
  store: AppointmentStore;
  /** Commits one batch and returns its results. */
  commit(...batch: Change[]): Promise<ChangeResult[]>;
  /** What a fresh schedule of `slots` would hold after load(): slot -> patient. */
  stored(slots?: number): Promise<Map<number, string>>;
  /** Closes the store and opens its database again (a restart); later calls use the new one. */
  restart(): Promise<void>;
  /** A calendar's slot n starts then (UTC ms); the cases with a policy run only where it is known. */
  startOf(slot: number): number;
};

export const book = (index: number, patient: string): Change => ({ kind: "book", index, patient });
export const cancel = (index: number, patient: string): Change => ({ kind: "cancel", index, patient });
export const move = (from: number, to: number, patient: string): Change => ({ kind: "move", from, to, patient });

export const done: ChangeResult = { kind: "done" };
export const taken = (holder: string): ChangeResult => ({ kind: "taken", holder });
/** Taken by an appointment starting at another slot whose span meets this one's: nobody holds this slot. */
export const takenBeside = (holder: string): ChangeResult => ({ kind: "taken", holder, elsewhere: true });
export const notyours = (holder: string): ChangeResult => ({ kind: "notyours", holder });
export const limit = (held: number): ChangeResult => ({ kind: "limit", held });

/** A schedule stand-in with slots 1..`slots`: takes what is free and in range, refuses the rest. */
export function sink(slots: number): BookingSink & { held: Map<number, string> } {
  const held = new Map<number, string>();
  return {
    held,
    reserve(index, patient) {
      if (index < 1 || index > slots || held.has(index)) return false;
      held.set(index, patient);
      return true;
    },
  };
}

const schedule_slots = 100;

// The clinic's rules (rule 7), on a calendar store only: its slot n starts (n - 1) x 15 minutes after
// the day after tomorrow's midnight (UTC), so slot 1 is 24 to 48 hours away and slot 100 48.75 to 72.75.
const hour = 60;
const day = 24 * hour;
const rules = (p: Partial<ClinicPolicy>): ClinicPolicy => ({ min_notice: 0, max_ahead: 0, cancel_cutoff: 0, ...p });
const refused = (rule: keyof ClinicPolicy, minutes: number, startMs: number): ChangeResult => ({
  kind: "policy",
  rule,
  minutes,
  atMs: startMs - minutes * 60_000,
});
const staff = (reason: string) => ({ actor: "alice", role: "front-desk", via: "staff-page", address: "", reason });

const policy_cases: StoreCase[] = [
  {
    name: "rule 7: a booking inside the minimum notice is refused with the rule and when it closed; nothing stored",
    policy: rules({ min_notice: 3 * day }),
    async run(t) {
      expect(await t.commit(book(1, "a"), book(2, "b"))).toEqual([
        refused("min_notice", 3 * day, t.startOf(1)),
        refused("min_notice", 3 * day, t.startOf(2)),
      ]);
      expect(await t.stored()).toEqual(new Map());
    },
  },
  {
    name: "rule 7: a booking further ahead than max_ahead is refused with when it opens; a nearer one is booked",
    policy: rules({ max_ahead: 48 * hour }),
    async run(t) {
      expect(await t.commit(book(1, "a"), book(100, "b"))).toEqual([
        done,
        refused("max_ahead", 48 * hour, t.startOf(100)),
      ]);
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
    },
  },
  {
    name: "rule 7: a cancellation past the cut-off is refused and the appointment kept; another's answers notyours",
    policy: rules({ cancel_cutoff: 3 * day }),
    async run(t) {
      expect(await t.commit(book(1, "a"))).toEqual([done]);
      expect(await t.commit(cancel(1, "a"), cancel(1, "b"), cancel(2, "a"))).toEqual([
        refused("cancel_cutoff", 3 * day, t.startOf(1)),
        notyours("a"),
        notyours(""),
      ]);
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
    },
  },
  {
    name: "rule 7: a move past its old slot's cut-off is refused; both slots stay as they were",
    policy: rules({ cancel_cutoff: 3 * day }),
    async run(t) {
      await t.commit(book(1, "a"), book(3, "c"));
      expect(await t.commit(move(1, 2, "a"), move(1, 3, "a"))).toEqual([
        refused("cancel_cutoff", 3 * day, t.startOf(1)),
        refused("cancel_cutoff", 3 * day, t.startOf(1)),
      ]);
      expect(await t.stored()).toEqual(
        new Map([
          [1, "a"],
          [3, "c"],
        ]),
      );
      expect(await t.commit(book(2, "b"))).toEqual([done]);
    },
  },
  {
    name: "rule 7: a move to a slot too far ahead is refused; the old slot is kept and the new one stays free",
    // Slot 1 is two days ahead at 00:00: 54 hours reach slot 2 whatever the time of day, and never slot 200.
    policy: rules({ max_ahead: 54 * hour }),
    async run(t) {
      await t.commit(book(1, "a"));
      expect(await t.commit(move(1, 200, "a"))).toEqual([refused("max_ahead", 54 * hour, t.startOf(200))]);
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
      expect(await t.commit(move(1, 2, "a"))).toEqual([done]);
      expect(await t.stored()).toEqual(new Map([[2, "a"]]));
    },
  },
  {
    name: "rule 7: only a staff member with a reason overrides a rule, and the result names the rules passed",
    policy: rules({ min_notice: 3 * day, cancel_cutoff: 3 * day }),
    async run(t) {
      const patient = { actor: "a", role: "patient", via: "tcp", address: "", reason: "please" };
      const closed = refused("min_notice", 3 * day, t.startOf(1));
      expect(
        await t.commit(
          { ...book(1, "a"), override: true },
          { ...book(1, "a"), override: true, who: patient },
          { ...book(1, "a"), override: true, who: staff(" ") },
          { ...book(1, "a"), who: staff("called in") },
        ),
      ).toEqual([closed, closed, closed, closed]);
      expect(await t.commit({ ...book(1, "a"), override: true, who: staff("urgent, called in") })).toEqual([
        { kind: "done", overrode: ["min_notice"] },
      ]);
      expect(await t.commit({ ...move(1, 2, "a"), override: true, who: staff("doctor asked") })).toEqual([
        { kind: "done", overrode: ["cancel_cutoff", "min_notice"] },
      ]);
      expect(await t.commit({ ...cancel(2, "a"), override: true, who: staff("ill") })).toEqual([
        { kind: "done", overrode: ["cancel_cutoff"] },
      ]);
      expect(await t.stored()).toEqual(new Map());
    },
  },
];
/** A booking as an appointment type (a calendar's store): `minutes` long, blocking `before` and `after` too. */
export const bookAs = (index: number, patient: string, minutes: number, before = 0, after = 0): Change => ({
  kind: "book",
  index,
  patient,
  span: { type: `t${minutes}`, minutes, before, after },
});

/** Only a calendar's store has appointment types (the classic store's slot is a position). */
export const types_cases: StoreCase[] = [
  {
    // The calendar subject's slots are 15 minutes long, one after another.
    name: "types: an appointment blocks its length and buffers; a booking meeting that span (or whose own span meets one) is taken",
    async run(t) {
      // 30 minutes and 15 after, at slot 2: it blocks slots 2, 3 and 4.
      expect(await t.commit(bookAs(2, "a", 30, 0, 15))).toEqual([done]);
      expect(await t.commit(book(3, "b"), book(4, "b"), bookAs(4, "b", 15), book(5, "b"))).toEqual([
        takenBeside("a"),
        takenBeside("a"),
        takenBeside("a"),
        done,
      ]);
      // A buffer of 15 before slot 7 needs slot 6 free; slot 1 ends where slot 2 begins.
      expect(await t.commit(bookAs(7, "c", 15, 15), book(6, "d"), bookAs(1, "d", 15))).toEqual([
        done,
        takenBeside("c"),
        done,
      ]);
      // A booking whose own before buffer reaches back into slot 5's appointment is taken.
      expect(await t.commit(bookAs(9, "e", 15, 30), bookAs(10, "e", 15, 30))).toEqual([takenBeside("c"), done]);
      expect(await t.stored()).toEqual(
        new Map([
          [1, "d"],
          [2, "a"],
          [5, "b"],
          [7, "c"],
          [10, "e"],
        ]),
      );
    },
  },
];

export const store_cases: StoreCase[] = [
  {
    name: "rule 4: a free slot is booked; a held one answers taken with its holder, and changes nothing",
    async run(t) {
      expect(await t.commit(book(1, "a"))).toEqual([done]);
      expect(await t.commit(book(1, "b"))).toEqual([taken("a")]);
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
    },
  },
  {
    name: "rule 3: one result per change, in the order of the batch",
    async run(t) {
      await t.commit(book(2, "b"));
      const results = await t.commit(book(1, "a"), cancel(3, "a"), book(2, "a"), cancel(2, "b"), book(4, "c"));
      expect(results).toEqual([done, notyours(""), taken("b"), done, done]);
      expect(await t.stored()).toEqual(
        new Map([
          [1, "a"],
          [4, "c"],
        ]),
      );
    },
  },
  {
    name: "rule 2: the same slot twice in one batch: the first booking wins, the second finds it taken",
    async run(t) {
      expect(await t.commit(book(5, "a"), book(5, "b"))).toEqual([done, taken("a")]);
      expect(await t.commit(book(6, "a"), book(6, "a"))).toEqual([done, taken("a")]);
      expect(await t.stored()).toEqual(
        new Map([
          [5, "a"],
          [6, "a"],
        ]),
      );
    },
  },
  {
    name: "rule 2: the same slot twice in one batch under a limit (one statement per change)",
    bookingsPerPatient: 3,
    async run(t) {
      expect(await t.commit(book(5, "a"), book(5, "b"))).toEqual([done, taken("a")]);
      expect(await t.stored()).toEqual(new Map([[5, "a"]]));
    },
  },
  {
    name: "rule 1: a batch the database refuses part-way stores none of it, and the store goes on",
    async run(t) {
      await t.commit(book(1, "a"));
      // A patient the table refuses (NOT NULL): the last change of the batch fails inside its transaction.
      const refused = { kind: "book", index: 9, patient: null } as unknown as Change;
      await expect(t.commit(book(2, "b"), book(3, "c"), refused)).rejects.toThrow();
      await expect(t.commit(book(4, "b"), cancel(1, "a"), move(1, 5, "a"), refused)).rejects.toThrow();
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
      expect(await t.commit(book(2, "b"), cancel(1, "a"))).toEqual([done, done]);
    },
  },
  {
    name: "rule 2: a later change sees an earlier one: book, cancel, book again by another",
    async run(t) {
      expect(await t.commit(book(1, "a"), cancel(1, "a"), book(1, "b"), cancel(1, "a"))).toEqual([
        done,
        done,
        done,
        notyours("b"),
      ]);
      expect(await t.stored()).toEqual(new Map([[1, "b"]]));
    },
  },
  {
    name: "a large batch of distinct bookings is all stored (group commit)",
    async run(t) {
      const batch = Array.from({ length: 60 }, (_, i) => book(i + 1, `p${i % 7}`));
      expect(await t.commit(...batch)).toEqual(batch.map(() => done));
      expect((await t.stored()).size).toBe(60);
    },
  },
  {
    name: "cancel: only the holder's own booking; a free slot and another's answer notyours with the holder",
    async run(t) {
      await t.commit(book(1, "a"));
      expect(await t.commit(cancel(2, "a"), cancel(1, "b"))).toEqual([notyours(""), notyours("a")]);
      expect(await t.commit(cancel(1, "a"), cancel(1, "a"))).toEqual([done, notyours("")]);
      expect(await t.stored()).toEqual(new Map());
    },
  },
  {
    name: "move: books the target and frees the source in one change",
    async run(t) {
      await t.commit(book(1, "a"));
      expect(await t.commit(move(1, 2, "a"))).toEqual([done]);
      expect(await t.stored()).toEqual(new Map([[2, "a"]]));
      expect(await t.commit(book(1, "b"))).toEqual([done]);
    },
  },
  {
    name: "move: a source not the patient's answers notyours with its holder; a held target answers taken",
    async run(t) {
      await t.commit(book(1, "a"), book(2, "b"));
      expect(await t.commit(move(3, 4, "a"), move(2, 4, "a"), move(1, 2, "a"))).toEqual([
        notyours(""),
        notyours("b"),
        taken("b"),
      ]);
      expect(await t.stored()).toEqual(
        new Map([
          [1, "a"],
          [2, "b"],
        ]),
      );
    },
  },
  {
    name: "move: onto the slot the patient already holds answers taken by themselves and changes nothing",
    async run(t) {
      await t.commit(book(1, "a"));
      expect(await t.commit(move(1, 1, "a"))).toEqual([taken("a")]);
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
    },
  },
  {
    name: "move: chained in one batch, and two moves to one target (the first wins)",
    async run(t) {
      expect(await t.commit(book(1, "a"), move(1, 2, "a"), move(2, 3, "a"), book(5, "b"))).toEqual([
        done,
        done,
        done,
        done,
      ]);
      expect(await t.commit(move(3, 9, "a"), move(5, 9, "b"), cancel(3, "a"))).toEqual([
        done,
        taken("a"),
        notyours(""),
      ]);
      expect(await t.stored()).toEqual(
        new Map([
          [5, "b"],
          [9, "a"],
        ]),
      );
    },
  },
  {
    name: "move after a cancel of its source in the same batch answers notyours",
    async run(t) {
      await t.commit(book(1, "a"));
      expect(await t.commit(cancel(1, "a"), move(1, 2, "a"))).toEqual([done, notyours("")]);
      expect(await t.stored()).toEqual(new Map());
    },
  },
  {
    name: "rule 5: the per-patient limit refuses a booking past it with the count held; others are not affected",
    bookingsPerPatient: 2,
    async run(t) {
      expect(await t.commit(book(1, "a"), book(2, "a"), book(3, "a"), book(4, "b"))).toEqual([
        done,
        done,
        limit(2),
        done,
      ]);
      expect(await t.commit(book(3, "a"))).toEqual([limit(2)]);
      expect(await t.commit(cancel(1, "a"), book(3, "a"), book(5, "a"))).toEqual([done, done, limit(2)]);
      expect([...(await t.stored()).entries()].sort((x, y) => x[0] - y[0])).toEqual([
        [2, "a"],
        [3, "a"],
        [4, "b"],
      ]);
    },
  },
  {
    name: "rule 5: the limit is checked before the slot: a taken slot past the limit answers limit",
    bookingsPerPatient: 1,
    async run(t) {
      await t.commit(book(1, "b"));
      expect(await t.commit(book(2, "a"), book(1, "a"), book(2, "a"))).toEqual([done, limit(1), limit(1)]);
    },
  },
  {
    name: "rule 4: a move at the limit is allowed (it never changes how many the patient holds)",
    bookingsPerPatient: 2,
    async run(t) {
      await t.commit(book(1, "a"), book(2, "a"));
      expect(await t.commit(move(1, 3, "a"), move(2, 4, "a"))).toEqual([done, done]);
      expect(await t.commit(book(5, "a"))).toEqual([limit(2)]);
      expect(await t.stored()).toEqual(
        new Map([
          [3, "a"],
          [4, "a"],
        ]),
      );
    },
  },
  {
    name: "rule 5: no limit (0) lets one patient book many",
    async run(t) {
      const batch = Array.from({ length: 12 }, (_, i) => book(i + 1, "a"));
      expect(await t.commit(...batch)).toEqual(batch.map(() => done));
      expect(await t.commit(book(20, "a"), cancel(1, "a"), book(21, "a"))).toEqual([done, done, done]);
    },
  },
  {
    name: "rule 6: closed and opened again, the store loads exactly what was confirmed, and still enforces it",
    bookingsPerPatient: 2,
    async run(t) {
      await t.commit(book(1, "a"), book(2, "b"), book(3, "c"));
      await t.commit(cancel(2, "b"), move(3, 4, "c"), book(5, "a"));
      const before = await t.stored();
      await t.restart();
      expect(await t.stored()).toEqual(before);
      expect(before).toEqual(
        new Map([
          [1, "a"],
          [4, "c"],
          [5, "a"],
        ]),
      );
      expect(await t.commit(book(4, "b"), book(6, "a"), book(2, "b"))).toEqual([taken("c"), limit(2), done]);
    },
  },
  {
    name: "rule 6: load counts bookings for slots the schedule does not have, and leaves them stored",
    async run(t) {
      await t.commit(book(1, "a"), book(schedule_slots + 5, "b"), book(2, "c"));
      const into = sink(schedule_slots);
      expect(await t.store.load(into)).toEqual({ restored: 2, unknown: 1 });
      expect(await t.stored(schedule_slots + 10)).toEqual(
        new Map([
          [1, "a"],
          [2, "c"],
          [schedule_slots + 5, "b"],
        ]),
      );
    },
  },
  ...policy_cases,
  {
    name: "problem(): a store that just opened and committed takes bookings",
    async run(t) {
      await t.commit(book(1, "a"));
      expect(t.store.problem()).toBeUndefined();
    },
  },
];

/** Runs one case on a fresh database of the subject, closing whatever it opened. */
export async function runCase(subject: StoreSubject, c: StoreCase): Promise<void> {
  const opened = await subject.fresh({
    bookingsPerPatient: c.bookingsPerPatient ?? 0,
    ...(c.policy ? { policy: c.policy } : {}),
    ...(c.noShowLimit ? { noShowLimit: c.noShowLimit } : {}),
  });
  let store = opened.store;
  const t: CaseContext = {
    get store() {
      return store;
    },
    commit: (...batch) => store.commit(batch),
    async stored(slots = schedule_slots) {
      const into = sink(slots);
      await store.load(into);
      return into.held;
    },
    async restart() {
      await store.close();
      store = await opened.reopen();
    },
    startOf: (slot) => opened.startOf!(slot),
  };
  try {
    await c.run(t);
  } finally {
    await store.close();
  }
}

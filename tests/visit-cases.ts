// What happened at the visit (issue 23 part 3), as store cases for the calendar's stores only (the
// classic slot table has no dates): each status change and each refusal, a cancellation kept for
// history with its time free again, and the no-show limit inside the booking transaction. Run by
// store-conformance.test.ts on SQLite and PostgreSQL. Slot numbers as calendar-store-subject.ts maps
// them: 1, 2, ... from the day after tomorrow; -200 and lower have started (more than an hour ago).
import { expect } from "bun:test";
import type { Change, ChangeWho, MarkResult, Visit } from "../roles/healthcenterserver/store/appointment-store.ts";
import type { MarkStatus } from "../roles/healthcenterserver/calendar/visit-status.ts";
import { book, cancel, done, move, notyours, type CaseContext, type StoreCase } from "./store-cases.ts";

const desk: ChangeWho = { actor: "alice", role: "front-desk", via: "staff-page", address: "127.0.0.1", reason: "" };
const patientWho = (name: string): ChangeWho => ({ actor: name, role: "patient", via: "tcp", address: "", reason: "" });
const by = (c: Change, who: ChangeWho): Change => ({ ...c, who });
const mark = (t: CaseContext, index: number, status: MarkStatus): Promise<MarkResult> =>
  t.store.mark!({ index, status, who: desk });
const visits = async (t: CaseContext, patient?: string): Promise<Visit[]> => t.store.visits!(0, 2 ** 52, 1000, patient);
const statuses = async (t: CaseContext) => (await visits(t)).map((v) => [v.slot, v.patient, v.status]);
const refused = (text: string) => ({ kind: "refused" as const, reason: expect.stringContaining(text) as string });
const started = -200;

export const visit_cases: StoreCase[] = [
  {
    name: "visit: booked -> arrived -> fulfilled on a started appointment; each change stored, the time still held",
    async run(t) {
      await t.commit(book(started, "a"));
      expect(await mark(t, started, "arrived")).toEqual({ kind: "done", patient: "a", before: "booked" });
      expect(await mark(t, started, "fulfilled")).toEqual({ kind: "done", patient: "a", before: "arrived" });
      expect(await statuses(t)).toEqual([[started, "a", "fulfilled"]]);
      await t.restart();
      expect(await statuses(t)).toEqual([[started, "a", "fulfilled"]]);
      expect(await t.commit(book(started, "b"))).toEqual([{ kind: "taken", holder: "a" }]);
    },
  },
  {
    name: "visit: seen or no-show before the start is refused naming the slot; arrived before it is taken",
    async run(t) {
      await t.commit(book(1, "a"));
      for (const status of ["fulfilled", "noshow"] as const)
        expect(await mark(t, 1, status)).toEqual(refused("has not started yet"));
      expect(await statuses(t)).toEqual([[1, "a", "booked"]]);
      expect(await mark(t, 1, "arrived")).toEqual({ kind: "done", patient: "a", before: "booked" });
    },
  },
  {
    name: "visit: an unknown appointment and a cancelled one are refused, each naming the slot; nothing changes",
    async run(t) {
      const none = await mark(t, 5, "arrived");
      expect(none).toEqual(refused("no appointment at slot"));
      await t.commit(book(started - 1, "a"), cancel(started - 1, "a"));
      expect(await mark(t, started - 1, "arrived")).toEqual(refused("was cancelled"));
      expect(await mark(t, started - 1, "noshow")).toEqual(refused("was cancelled"));
      expect(await statuses(t)).toEqual([[started - 1, "a", "cancelled"]]);
    },
  },
  {
    name: "visit: arrived then no-show, seen then anything, and the same status twice are refused",
    async run(t) {
      await t.commit(book(started, "a"), book(started - 2, "b"));
      await mark(t, started, "arrived");
      expect(await mark(t, started, "noshow")).toEqual(refused("arrived, not a no-show"));
      expect(await mark(t, started, "arrived")).toEqual(refused("already marked arrived"));
      await mark(t, started, "fulfilled");
      expect(await mark(t, started, "noshow")).toEqual(refused("was seen"));
      expect(await mark(t, started, "arrived")).toEqual(refused("was seen"));
      // A no-show who turns up late may still be marked arrived.
      expect(await mark(t, started - 2, "noshow")).toEqual({ kind: "done", patient: "b", before: "booked" });
      expect(await mark(t, started - 2, "arrived")).toEqual({ kind: "done", patient: "b", before: "noshow" });
    },
  },
  {
    name: "visit: a cancellation is kept for history and its time is free again; the clinic's keeps its reason",
    async run(t) {
      await t.commit(book(1, "a"), book(2, "a"));
      expect(await t.commit(cancel(1, "a"), by(cancel(2, "a"), { ...desk, reason: "doctor ill" }))).toEqual([
        done,
        done,
      ]);
      expect(await t.commit(book(1, "b"), book(2, "c"))).toEqual([done, done]);
      const all = await visits(t);
      expect(all.map((v) => [v.slot, v.patient, v.status, v.cancelledBy ?? "", v.reason ?? ""])).toEqual([
        [1, "a", "cancelled", "patient", ""],
        [1, "b", "booked", "", ""],
        [2, "a", "cancelled", "clinic", "doctor ill"],
        [2, "c", "booked", "", ""],
      ]);
      expect((await visits(t, "a")).map((v) => v.slot)).toEqual([1, 2]);
      expect(await t.stored()).toEqual(
        new Map([
          [1, "b"],
          [2, "c"],
        ]),
      );
    },
  },
  {
    name: "visit: cancelling or moving an appointment already marked answers visited and changes nothing",
    async run(t) {
      await t.commit(book(1, "a"));
      await mark(t, 1, "arrived");
      const visited = { kind: "visited" as const, status: "arrived" as const };
      expect(await t.commit(cancel(1, "a"), move(1, 2, "a"), cancel(1, "b"))).toEqual([
        visited,
        visited,
        notyours("a"),
      ]);
      expect(await t.stored()).toEqual(new Map([[1, "a"]]));
      expect(await t.commit(book(2, "b"))).toEqual([done]);
    },
  },
  {
    name: "visit: the no-show limit refuses a patient's own booking in the transaction; staff may book for them",
    noShowLimit: 2,
    async run(t) {
      const old = -(200 * 96); // 200 days ago: outside the 6 months counted
      await t.commit(book(started, "a"), book(started - 1, "a"), book(old, "a"), book(started - 2, "b"));
      for (const n of [old, started]) await mark(t, n, "noshow");
      await mark(t, started - 2, "noshow");
      expect(await t.commit(by(book(1, "a"), patientWho("a")))).toEqual([done]);
      await mark(t, started - 1, "noshow");
      expect(await t.commit(by(book(2, "a"), patientWho("a")), book(3, "a"), book(4, "b"))).toEqual([
        { kind: "noshows", count: 2 },
        { kind: "noshows", count: 2 },
        done,
      ]);
      expect(await t.commit(by(book(2, "a"), desk))).toEqual([done]);
      expect([...(await t.stored()).entries()].sort((x, y) => x[0] - y[0])).toEqual([
        [1, "a"],
        [2, "a"],
        [4, "b"],
      ]);
    },
  },
  {
    name: "visit: a mark racing the patient's cancellation: one of them wins whole, the other is refused",
    async run(t) {
      for (let n = 1; n <= 8; n++) {
        await t.commit(book(n, "a"));
        const [marked, [cancelled]] = await Promise.all([mark(t, n, "arrived"), t.commit(cancel(n, "a"))]);
        const status = (await visits(t)).filter((v) => v.slot === n).map((v) => v.status);
        if (marked.kind === "done") {
          expect(cancelled).toEqual({ kind: "visited", status: "arrived" });
          expect(status).toEqual(["arrived"]);
        } else {
          expect(marked).toEqual(refused("was cancelled"));
          expect(cancelled).toEqual(done);
          expect(status).toEqual(["cancelled"]);
        }
      }
    },
  },
];

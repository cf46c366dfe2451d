// The audit trail's records as the calendar's stores keep them, as store cases (run by
// store-conformance.test.ts on SQLite and PostgreSQL): one record per change done, in the change's
// transaction, stored with prev_hash empty (the row before's hash, which each record's hash covers),
// and the records chain from the genesis.
import { expect } from "bun:test";
import { ChainVerifier } from "../roles/healthcenterserver/audit/chain.ts";
import type { Change, ChangeWho } from "../roles/healthcenterserver/store/appointment-store.ts";
import { book, cancel, done, type StoreCase } from "./store-cases.ts";

const as = (c: Change, actor: string): Change => {
  const who: ChangeWho = { actor, role: "patient", via: "tcp", address: "127.0.0.1", reason: "" };
  return { ...c, who };
};

export const audit_cases: StoreCase[] = [
  {
    name: "audit: a record per change done, stored with prev_hash empty; the records chain from the genesis",
    async run(t) {
      expect(await t.commit(as(book(1, "a"), "a"), as(book(2, "b"), "b"))).toEqual([done, done]);
      expect(await t.commit(as(cancel(1, "a"), "a"))).toEqual([done]);
      const records = (await t.store.auditOfSubjects!(["slot 1", "slot 2"], 50)).sort((x, y) => x.seq - y.seq);
      expect(records.map((r) => [r.seq, r.actor, r.action, r.prevHash])).toEqual([
        [1, "a", "booking.booked", ""],
        [2, "b", "booking.booked", ""],
        [3, "a", "booking.cancelled", ""],
      ]);
      const verifier = new ChainVerifier();
      expect(records.map((r) => verifier.check(r))).toEqual([undefined, undefined, undefined]);
    },
  },
];

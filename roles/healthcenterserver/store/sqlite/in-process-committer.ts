// The booking database seen by the Booker: a batch of changes in, one result per change out, with
// the rules of appointment-store.ts.
//
// Commits run on the event loop's thread. A worker thread was tried (so an fsync would not
// stall other connections) and measured 15-20% slower on this machine's disk (fsync ~0.26 ms):
// see docs/PERFORMANCE.md. The promise-shaped interface keeps that door open for slow disks,
// and lets tests put a failing or misbehaving database behind the Booker.
import type { Change, ChangeResult, Committer } from "../appointment-store.ts";
import type { BookingStore } from "./store.ts";

export class InProcessCommitter implements Committer {
  constructor(private readonly store: Pick<BookingStore, "commit" | "close">) {}

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    return this.store.commit(batch);
  }

  async close(): Promise<void> {
    this.store.close();
  }
}

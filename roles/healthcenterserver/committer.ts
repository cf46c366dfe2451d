// The booking database seen by the Booker: a batch in, one result per booking out.
//
// Commits run on the event loop's thread. A worker thread was tried (so an fsync would not
// stall other connections) and measured 15-20% slower on this machine's disk (fsync ~0.26 ms):
// see docs/PERFORMANCE.md. The promise-shaped interface keeps that door open for slow disks,
// and lets tests put a failing or misbehaving database behind the Booker.
import type { BookingRequest, BookingResult, BookingStore } from "./store.ts";

export interface Committer {
  commit(batch: BookingRequest[]): Promise<BookingResult[]>;
  close(): Promise<void>;
}

export class InProcessCommitter implements Committer {
  constructor(private readonly store: BookingStore) {}

  async commit(batch: BookingRequest[]): Promise<BookingResult[]> {
    return this.store.commit(batch);
  }

  async close(): Promise<void> {
    this.store.close();
  }
}

// The booking database seen by the Booker: a batch in, which bookings were stored out.
//
// Commits run on the event loop's thread. A worker thread was tried (so an fsync would not
// stall other connections) and measured 15-20% slower on this machine's disk (fsync ~0.26 ms):
// see docs/PERFORMANCE.md. The promise-shaped interface keeps that door open for slow disks.
import type { BookingRequest, BookingStore } from "./store.ts";

export interface Committer {
  commit(batch: BookingRequest[]): Promise<boolean[]>;
  close(): Promise<void>;
}

export class InProcessCommitter implements Committer {
  constructor(private readonly store: BookingStore) {}

  async commit(batch: BookingRequest[]): Promise<boolean[]> {
    return this.store.commit(batch);
  }

  async close(): Promise<void> {
    this.store.close();
  }
}

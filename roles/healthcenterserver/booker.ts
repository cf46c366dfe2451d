// Group commit: the bookings that arrive in one event-loop turn share one transaction, and each
// patient hears "booked" only after that transaction is on disk. Bookings that arrive while a
// commit is in flight form the next batch, which goes as soon as that commit is done.
import { assert } from "../../shared/assert.ts";
import type { Slot } from "../../shared/datafiles.ts";
import type { Committer } from "./committer.ts";
import type { Schedule } from "./schedule.ts";
import type { BookingResult } from "./store.ts";

export type BookingOutcome = { kind: "booked"; slot: Slot } | { kind: "notavailable"; slot: Slot } | { kind: "invalid" } | { kind: "failed"; reason: string };

type Pending = { slot: Slot; patient: string; done: (outcome: BookingOutcome) => void };

export class Booker {
  private pending: Pending[] = [];
  /** Slots reserved here and not yet committed or given up: what a re-read of a shared database must not undo. */
  private readonly uncommitted = new Set<number>();
  private scheduled = false;
  private inFlight: Promise<void> | undefined;
  /** Hears how long each batch took to commit, in seconds (for /metrics). */
  onCommitTimed: ((seconds: number) => void) | undefined;

  /** `onBroken` hears a broken invariant (a bug, or a database that answers nonsense); the server stops on it. */
  constructor(
    private readonly schedule: Schedule,
    private readonly committer: Committer,
    private readonly onBroken: (err: unknown) => void,
  ) {}

  /**
   * Decides at once when it can (invalid, taken); a free slot is reserved now and confirmed after
   * its commit. `done` is always called later, never from inside this call.
   */
  book(index: number, patient: string, done: (outcome: BookingOutcome) => void): void {
    const decision = this.schedule.decide(index);
    if (decision.kind !== "free") {
      queueMicrotask(() => done(decision));
      return;
    }
    assert(this.schedule.reserve(index, patient), `a free slot ${index} can be reserved`);
    this.pending.push({ slot: decision.slot, patient, done });
    this.uncommitted.add(index);
    if (!this.scheduled && !this.inFlight) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.commitPending();
      });
    }
  }

  /** True while a booking of this slot waits for (or is in) a commit. */
  isPending(index: number): boolean {
    return this.uncommitted.has(index);
  }

  /** Resolves when every booking asked for so far is committed and answered. */
  async drain(): Promise<void> {
    while (this.inFlight || this.pending.length > 0) {
      if (!this.inFlight) this.commitPending();
      await this.inFlight;
    }
  }

  private commitPending(): void {
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const startedMs = performance.now();
    this.inFlight = this.committer.commit(batch.map((p) => ({ index: p.slot.index, patient: p.patient }))).then(
      (results) => {
        this.onCommitTimed?.((performance.now() - startedMs) / 1000);
        this.onBatchCommitted(batch, results);
      },
      (err: Error) => this.onBatchFailed(batch, err),
    ).catch(this.onBroken);
  }

  private onBatchCommitted(batch: Pending[], results: BookingResult[]): void {
    this.inFlight = undefined;
    for (const p of batch) this.uncommitted.delete(p.slot.index);
    assert(results.length === batch.length, `the database answered ${results.length} results for ${batch.length} bookings`);
    batch.forEach((p, i) => {
      const result = results[i]!;
      if (result.stored) {
        this.schedule.changes.publish({ index: p.slot.index, holder: p.patient });
        return p.done({ kind: "booked", slot: p.slot });
      }
      // Another process sharing the database won the slot: the mirror follows the database.
      assert(result.holder !== "", `slot ${p.slot.index} refused by the database has a holder`);
      this.schedule.correctHolder(p.slot.index, result.holder);
      this.schedule.changes.publish({ index: p.slot.index, holder: result.holder });
      p.done({ kind: "notavailable", slot: p.slot });
    });
    this.commitPending();
  }

  private onBatchFailed(batch: Pending[], err: Error): void {
    this.inFlight = undefined;
    for (const p of batch) this.uncommitted.delete(p.slot.index);
    for (const p of batch) this.schedule.release(p.slot.index);
    const reason = `booking could not be saved (${err.message})`;
    for (const p of batch) p.done({ kind: "failed", reason });
    this.commitPending();
  }
}

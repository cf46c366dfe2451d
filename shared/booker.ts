// Group commit: the bookings that arrive in one event-loop turn share one transaction,
// and each patient hears "booked" only after that transaction is on disk.
import type { Slot } from "./datafiles.ts";
import type { Schedule } from "./schedule.ts";
import type { BookingStore } from "./store.ts";

export type BookingOutcome = { kind: "booked"; slot: Slot } | { kind: "notavailable"; slot: Slot } | { kind: "invalid" } | { kind: "failed"; reason: string };

type Pending = { slot: Slot; patient: string; done: (outcome: BookingOutcome) => void };

export class Booker {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(private readonly schedule: Schedule, private readonly store: BookingStore) {}

  /** Decides at once when it can (invalid, taken); a free slot is reserved and confirmed after commit. */
  book(index: number, patient: string, done: (outcome: BookingOutcome) => void): void {
    const decision = this.schedule.decide(index);
    if (decision.kind !== "free") return done(decision);
    this.schedule.reserve(index, patient);
    this.pending.push({ slot: decision.slot, patient, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  get waiting(): number {
    return this.pending.length + this.inFlight;
  }

  /** Commits everything pending now. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.inFlight = batch.length;
    let stored: boolean[];
    try {
      stored = this.store.commit(batch.map((p) => ({ index: p.slot.index, patient: p.patient })));
    } catch (err) {
      for (const p of batch) this.schedule.release(p.slot.index);
      this.inFlight = 0;
      const reason = `booking could not be saved (${(err as Error).message})`;
      for (const p of batch) p.done({ kind: "failed", reason });
      return;
    }
    this.inFlight = 0;
    batch.forEach((p, i) => p.done(stored[i] ? { kind: "booked", slot: p.slot } : { kind: "notavailable", slot: p.slot }));
  }
}

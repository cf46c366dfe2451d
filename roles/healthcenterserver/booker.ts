// Group commit: the bookings that arrive in one event-loop turn share one transaction, and each
// patient hears "booked" only after that transaction is on disk. Bookings that arrive while a
// commit is in flight form the next batch, which goes as soon as that commit is done.
import type { Committer } from "./committer.ts";
import type { Slot } from "../../shared/datafiles.ts";
import type { Schedule } from "./schedule.ts";

export type BookingOutcome = { kind: "booked"; slot: Slot } | { kind: "notavailable"; slot: Slot } | { kind: "invalid" } | { kind: "failed"; reason: string };

type Pending = { slot: Slot; patient: string; done: (outcome: BookingOutcome) => void };

export class Booker {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly schedule: Schedule, private readonly committer: Committer) {}

  /** Decides at once when it can (invalid, taken); a free slot is reserved now and confirmed after its commit. */
  book(index: number, patient: string, done: (outcome: BookingOutcome) => void): void {
    const decision = this.schedule.decide(index);
    if (decision.kind !== "free") return done(decision);
    this.schedule.reserve(index, patient);
    this.pending.push({ slot: decision.slot, patient, done });
    if (!this.scheduled && !this.inFlight) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.commitPending();
      });
    }
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
    this.inFlight = this.committer.commit(batch.map((p) => ({ index: p.slot.index, patient: p.patient }))).then(
      (stored) => {
        this.inFlight = undefined;
        batch.forEach((p, i) => p.done(stored[i] ? { kind: "booked", slot: p.slot } : { kind: "notavailable", slot: p.slot }));
        this.commitPending();
      },
      (err: Error) => {
        this.inFlight = undefined;
        for (const p of batch) this.schedule.release(p.slot.index);
        const reason = `booking could not be saved (${err.message})`;
        for (const p of batch) p.done({ kind: "failed", reason });
        this.commitPending();
      },
    );
  }
}

// Group commit of every change (book, cancel, move): the changes that arrive in one event-loop turn
// share one transaction, and each patient hears the outcome only after that transaction is on disk.
// Changes that arrive while a commit is in flight form the next batch, which goes as soon as that
// commit is done. Memory is changed so that nobody is ever promised what the database may refuse:
// a booking or a move's target is reserved at once; a cancelled slot (or a move's old slot) stays
// taken until the change is stored. What a commit changed is published on schedule.changes only then.
import { assert } from "../../../shared/assert.ts";
import { database_batch_changes_max } from "../../../shared/limits.ts";
import type { Slot } from "../../../shared/datafiles.ts";
import type { Change, ChangeResult, Committer } from "../store/appointment-store.ts";
import { ChangesInFlight } from "./changes-in-flight.ts";
import type { Schedule } from "./schedule.ts";

type Failed = { kind: "failed"; reason: string };
export type BookingOutcome =
  | { kind: "booked"; slot: Slot }
  | { kind: "notavailable"; slot: Slot }
  | { kind: "invalid" }
  | { kind: "limit"; held: number }
  | Failed;
export type CancelOutcome = { kind: "cancelled"; slot: Slot } | { kind: "notyours" } | { kind: "invalid" } | Failed;
export type MoveOutcome =
  | { kind: "moved"; slot: Slot; from: Slot }
  | { kind: "notavailable"; slot: Slot }
  | { kind: "notyours" }
  | { kind: "invalid" }
  | Failed;
type Outcome = BookingOutcome | CancelOutcome | MoveOutcome;

type Pending = { change: Change; done: (outcome: Outcome) => void };

export type BookerRules = { bookingsPerPatient: number };

export class Booker {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;
  /** Hears how long each batch took to commit, in seconds (for /metrics). */
  onCommitTimed: ((seconds: number) => void) | undefined;
  /**
   * Slots reserved here by a booking or move not yet committed or given up: not shown by `mine`, and
   * what a re-read of a shared database must not undo.
   */
  private readonly unconfirmed = new Set<number>();
  /** patient -> moves in flight: each holds two slots in memory but will end holding one. */
  private readonly moving = new Map<string, number>();
  private readonly inFlightBy = new ChangesInFlight();

  /** `onBroken` hears a broken invariant (a bug, or a database that answers nonsense); the server stops on it. */
  constructor(
    private readonly schedule: Schedule,
    private readonly committer: Committer,
    private readonly onBroken: (err: unknown) => void,
    private readonly rules: BookerRules = { bookingsPerPatient: 0 },
  ) {}

  /** True while a booking (or a move's target) of this slot waits for (or is in) a commit. */
  isPending(index: number): boolean {
    return this.unconfirmed.has(index);
  }

  /** Undefined when none of the patient's changes is in flight; else resolves once all are answered. */
  settled(patient: string): Promise<void> | undefined {
    return this.inFlightBy.settled(patient);
  }

  /** Bookings the patient holds or has in flight: what the per-patient limit counts. */
  holding(patient: string): number {
    return this.schedule.heldCount(patient) - (this.moving.get(patient) ?? 0);
  }

  /** The patient's stored bookings, in index order. */
  mine(patient: string): Slot[] {
    return this.schedule
      .heldBy(patient)
      .filter((i) => !this.unconfirmed.has(i))
      .map((i) => this.schedule.slotOf(i)!);
  }

  /**
   * Decides at once when it can (invalid, taken, limit); a free slot is reserved now and confirmed
   * after its commit. `done` is always called later, never from inside this call.
   */
  book(index: number, patient: string, done: (outcome: BookingOutcome) => void): void {
    const decision = this.schedule.decide(index);
    if (decision.kind !== "free") return later(done, decision);
    const held = this.holding(patient);
    const limit = this.rules.bookingsPerPatient;
    if (limit > 0 && held >= limit) return later(done, { kind: "limit", held });
    const reserved = this.schedule.reserve(index, patient);
    assert(reserved, () => `a free slot ${index} can be reserved`);
    this.unconfirmed.add(index);
    this.enqueue({ change: { kind: "book", index, patient }, done: done as Pending["done"] });
  }

  /** Frees the patient's slot once the cancellation is stored; until then it stays taken. */
  cancel(index: number, patient: string, done: (outcome: CancelOutcome) => void): void {
    if (this.schedule.slotOf(index) === undefined) return later(done, { kind: "invalid" });
    if (this.schedule.holderOf(index) !== patient) return later(done, { kind: "notyours" });
    this.enqueue({ change: { kind: "cancel", index, patient }, done: done as Pending["done"] });
  }

  /** Reserves `to` now; frees `from` only when the move is stored, in the same transaction. */
  move(from: number, to: number, patient: string, done: (outcome: MoveOutcome) => void): void {
    const target = this.schedule.decide(to);
    if (this.schedule.slotOf(from) === undefined || target.kind === "invalid") return later(done, { kind: "invalid" });
    if (this.schedule.holderOf(from) !== patient) return later(done, { kind: "notyours" });
    if (target.kind !== "free") return later(done, target);
    const reserved = this.schedule.reserve(to, patient);
    assert(reserved, () => `a free slot ${to} can be reserved`);
    this.unconfirmed.add(to);
    this.moving.set(patient, (this.moving.get(patient) ?? 0) + 1);
    this.enqueue({ change: { kind: "move", from, to, patient }, done: done as Pending["done"] });
  }

  /** Resolves when every change asked for so far is committed and answered. */
  async drain(): Promise<void> {
    while (this.inFlight || this.pending.length > 0) {
      if (!this.inFlight) this.commitPending();
      await this.inFlight;
    }
  }

  private enqueue(p: Pending): void {
    this.pending.push(p);
    this.inFlightBy.opened(p.change.patient);
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commitPending();
    });
  }

  private commitPending(): void {
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending.splice(0, database_batch_changes_max);
    const startedMs = performance.now();
    this.inFlight = this.committer
      .commit(batch.map((p) => p.change))
      .then(
        (results) => {
          this.onCommitTimed?.((performance.now() - startedMs) / 1000);
          this.onBatchCommitted(batch, results);
        },
        (err: Error) => this.onBatchFailed(batch, err),
      )
      .catch(this.onBroken);
  }

  private onBatchCommitted(batch: Pending[], results: ChangeResult[]): void {
    this.inFlight = undefined;
    assert(
      results.length === batch.length,
      () => `the database answered ${results.length} results for ${batch.length} changes`,
    );
    batch.forEach((p, i) => this.answer(p, this.settle(p.change, results[i]!)));
    this.commitPending();
  }

  private answer(p: Pending, outcome: Outcome): void {
    this.inFlightBy.closed(p.change.patient);
    p.done(outcome);
  }

  /** Brings memory in line with what the database did, and says what to answer. */
  private settle(change: Change, result: ChangeResult): Outcome {
    switch (change.kind) {
      case "book": {
        this.unconfirmed.delete(change.index);
        return this.settleTake(change.index, result);
      }
      case "cancel": {
        const slot = this.schedule.slotOf(change.index)!;
        if (result.kind === "done") {
          assert(
            this.schedule.holderOf(change.index) === change.patient,
            () => `cancelled slot ${change.index} was held by ${change.patient}`,
          );
          this.schedule.release(change.index);
          this.schedule.changes.publish({ index: change.index, holder: undefined });
          return { kind: "cancelled", slot };
        }
        assert(result.kind === "notyours", () => `a cancellation is done or notyours, not ${result.kind}`);
        this.followDatabase(change.index, change.patient, result.holder);
        return { kind: "notyours" };
      }
      case "move":
        return this.settleMove(change, result);
    }
  }

  private settleTake(index: number, result: ChangeResult): BookingOutcome {
    const slot = this.schedule.slotOf(index)!;
    switch (result.kind) {
      case "done":
        this.schedule.changes.publish({ index, holder: this.schedule.holderOf(index) });
        return { kind: "booked", slot };
      case "taken":
        // Another process sharing the database won the slot: the mirror follows the database.
        assert(result.holder !== "", () => `slot ${index} refused by the database has a holder`);
        this.schedule.correctHolder(index, result.holder);
        this.schedule.changes.publish({ index, holder: result.holder });
        return { kind: "notavailable", slot };
      case "limit":
        // Memory alone cannot check the limit here: with a shared database it may lag other instances.
        assert(
          this.rules.bookingsPerPatient > 0 && result.held >= this.rules.bookingsPerPatient,
          () => `the database refused slot ${index} for a limit it has (${result.held} held)`,
        );
        this.schedule.release(index);
        return { kind: "limit", held: result.held };
      case "notyours":
        assert(false, () => `a booking of slot ${index} is never answered notyours`);
    }
  }

  private settleMove(change: Extract<Change, { kind: "move" }>, result: ChangeResult): MoveOutcome {
    this.unconfirmed.delete(change.to);
    this.endMove(change.patient);
    if (result.kind === "notyours") {
      this.schedule.release(change.to);
      this.followDatabase(change.from, change.patient, result.holder);
      return { kind: "notyours" };
    }
    assert(result.kind !== "limit", () => "a move is never refused for the limit");
    const outcome = this.settleTake(change.to, result);
    if (outcome.kind !== "booked") return outcome as MoveOutcome;
    assert(
      this.schedule.holderOf(change.from) === change.patient,
      () => `moved-from slot ${change.from} was held by ${change.patient}`,
    );
    this.schedule.release(change.from);
    this.schedule.changes.publish({ index: change.from, holder: undefined });
    return { kind: "moved", slot: outcome.slot, from: this.schedule.slotOf(change.from)! };
  }

  /**
   * The database says the patient does not hold `index` while memory says they do (another process
   * changed it): memory follows. A slot memory gives someone else is left alone; their change decides.
   */
  private followDatabase(index: number, patient: string, holder: string): void {
    if (this.schedule.holderOf(index) !== patient || this.unconfirmed.has(index)) return;
    if (holder === "") this.schedule.release(index);
    else this.schedule.correctHolder(index, holder);
    this.schedule.changes.publish({ index, holder: holder === "" ? undefined : holder });
  }

  private endMove(patient: string): void {
    const left = (this.moving.get(patient) ?? 0) - 1;
    assert(left >= 0, () => `${patient} had a move in flight`);
    if (left === 0) this.moving.delete(patient);
    else this.moving.set(patient, left);
  }

  private onBatchFailed(batch: Pending[], err: Error): void {
    this.inFlight = undefined;
    for (const { change } of batch) {
      if (change.kind === "cancel") continue;
      const reserved = change.kind === "book" ? change.index : change.to;
      this.unconfirmed.delete(reserved);
      this.schedule.release(reserved);
      if (change.kind === "move") this.endMove(change.patient);
    }
    for (const p of batch)
      this.answer(p, { kind: "failed", reason: `${noun[p.change.kind]} could not be saved (${err.message})` });
    this.commitPending();
  }
}

const noun = { book: "booking", cancel: "cancellation", move: "move" } as const;

function later<T>(done: (outcome: T) => void, outcome: T): void {
  queueMicrotask(() => done(outcome));
}

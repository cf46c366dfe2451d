// Group commit of every change (book, cancel, move): the changes that arrive in one event-loop turn
// share one transaction, and each patient hears the outcome only after that transaction is on disk.
// Changes that arrive while a commit is in flight form the next batch, which goes as soon as that
// commit is done. Memory is changed so that nobody is ever promised what the database may refuse:
// a booking or a move's target is reserved at once; a cancelled slot (or a move's old slot) stays
// taken until the change is stored. What a commit changed is published on schedule.changes only then.
// Every change is answered within database_commit_timeout_ms of its arrival, even behind a commit
// that hangs: one never sent is refused, one sent says its outcome is unknown (`mine` will tell).
import { assert } from "../../../shared/assert.ts";
import { database_batch_changes_max, database_commit_timeout_ms } from "../../../shared/limits.ts";
import type { Slot } from "../../../shared/datafiles.ts";
import type { Change, ChangeResult, ChangeWho, Committer } from "../store/appointment-store.ts";
import { OutcomeUnknown } from "../store/outcome-unknown.ts";
import { ChangesInFlight } from "./changes-in-flight.ts";
import type { BookingOutcome, CancelOutcome, MoveOutcome, Outcome } from "./outcomes.ts";
import { Reservations, Settler, type BookerRules } from "./settle.ts";
import type { Schedule } from "./schedule.ts";
import type { BookedSpan } from "./booked-spans.ts";
import { bookedSpan, moveTarget } from "./typed-decisions.ts";

type Done<T> = (outcome: T) => void;

/**
 * `sent`: in a commit now; `answered`: its patient has heard (an answer may go before the commit
 * settles, when it takes longer than a patient is promised an answer in).
 */
type Pending = { change: Change; done: (outcome: Outcome) => void; timer: Timer; sent: boolean; answered: boolean };

export type { BookerRules } from "./settle.ts";
/** Who asks, for the audit trail; a function is called only for a change that goes to the database. */
export type Who = ChangeWho | (() => ChangeWho);
export type { BookingOutcome, CancelOutcome, MoveOutcome } from "./outcomes.ts";

export class Booker {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;
  /** Hears how long each batch took to commit, in seconds (for /metrics). */
  onCommitTimed: ((seconds: number) => void) | undefined;
  /** When the last commit began (performance.now()): background work yields while bookings come in. */
  lastCommitMs = Number.NEGATIVE_INFINITY;
  private readonly reservations = new Reservations();
  private readonly unconfirmed = this.reservations.unconfirmed;
  private readonly moving = this.reservations.moving;
  private readonly inFlightBy = new ChangesInFlight();
  private readonly settler: Settler;

  /** `onBroken` hears a broken invariant (a bug, or a database that answers nonsense); the server stops on it. */
  constructor(
    private readonly schedule: Schedule,
    private readonly committer: Committer,
    private readonly onBroken: (err: unknown) => void,
    private readonly rules: BookerRules = { bookingsPerPatient: 0 },
  ) {
    this.settler = new Settler(schedule, rules, this.reservations);
  }

  /** Hears each time memory disagreed with a shared database's answer and took its word. */
  set onCorrected(hear: ((what: string) => void) | undefined) {
    this.settler.onCorrected = hear;
  }

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

  /** The patient's stored bookings, in index order: read from a shared database, else from memory. */
  mine(patient: string): Slot[] | Promise<Slot[]> {
    const slotsOf = (indexes: number[]) =>
      indexes.map((i) => this.schedule.slotOf(i)).filter((s): s is Slot => s !== undefined);
    if (this.rules.shared) return this.rules.shared.heldBy(patient).then(slotsOf);
    return slotsOf(this.schedule.heldBy(patient).filter((i) => !this.unconfirmed.has(i)));
  }

  /**
   * A booking memory refuses without asking the database (invalid, taken, limit), or undefined when it
   * must be committed: what `book` answers (later) for such a slot; a caller may answer at once with it.
   */
  refusedAtOnce(index: number, patient: string, type?: number): BookingOutcome | undefined {
    const decision = this.schedule.decide(index, type);
    if (decision.kind !== "free") return decision;
    const held = this.holding(patient);
    const limit = this.rules.bookingsPerPatient;
    // A shared database counts in the transaction; memory may still count a booking cancelled elsewhere.
    if (!this.rules.shared && limit > 0 && held >= limit) return { kind: "limit", held };
    return undefined;
  }

  /**
   * Decides at once when it can (invalid, taken, limit); a free slot is reserved now and confirmed
   * after its commit. `done` is always called later, never from inside this call. `type`: an
   * appointment type's number on a typed calendar (undefined: the slot's default).
   */
  book(index: number, patient: string, done: Done<BookingOutcome>, who?: Who, override?: boolean, type?: number): void {
    const refused = this.refusedAtOnce(index, patient, type);
    if (refused) return later(done, refused);
    const span = bookedSpan(this.schedule, index, type);
    const reserved = this.schedule.reserve(index, patient, span);
    assert(reserved, () => `a free slot ${index} can be reserved`);
    this.unconfirmed.add(index);
    this.enqueue({ kind: "book", index, patient, ...extra(who, override, span) }, done as Pending["done"]);
  }

  /**
   * Frees the patient's slot once the cancellation is stored; until then it stays taken. With a
   * shared database, whose the slot is is the database's to say (memory may not have caught up).
   */
  cancel(index: number, patient: string, done: (outcome: CancelOutcome) => void, who?: Who, override?: boolean): void {
    if (this.schedule.slotOf(index) === undefined) return later(done, { kind: "invalid" });
    if (!this.rules.shared && this.schedule.holderOf(index) !== patient) return later(done, { kind: "notyours" });
    this.enqueue({ kind: "cancel", index, patient, ...extra(who, override) }, done as Pending["done"]);
  }

  /** Reserves `to` now; frees `from` only when the move is stored, in the same transaction. */
  move(
    from: number,
    to: number,
    patient: string,
    done: (outcome: MoveOutcome) => void,
    who?: Who,
    override?: boolean,
  ): void {
    const target = moveTarget(this.schedule, from, to);
    if (this.schedule.slotOf(from) === undefined || target.kind === "invalid") return later(done, { kind: "invalid" });
    if (!this.rules.shared && this.schedule.holderOf(from) !== patient) return later(done, { kind: "notyours" });
    if (target.kind !== "free") return later(done, target);
    const reserved = this.schedule.reserve(to, patient, target.span);
    assert(reserved, () => `a free slot ${to} can be reserved`);
    this.unconfirmed.add(to);
    this.moving.set(patient, (this.moving.get(patient) ?? 0) + 1);
    this.enqueue({ kind: "move", from, to, patient, ...extra(who, override, target.span) }, done as Pending["done"]);
  }

  /** Resolves when every change asked for so far is committed and answered. */
  async drain(): Promise<void> {
    while (this.inFlight || this.pending.length > 0) {
      if (!this.inFlight) this.commitPending();
      await this.inFlight;
    }
  }

  private enqueue(change: Change, done: Pending["done"]): void {
    const p: Pending = { change, done, sent: false, answered: false, timer: undefined as unknown as Timer };
    p.timer = setTimeout(() => this.overdue(p), this.rules.answerWithinMs ?? database_commit_timeout_ms);
    this.pending.push(p);
    this.inFlightBy.opened(change.patient);
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
    for (const p of batch) p.sent = true;
    const startedMs = performance.now();
    this.lastCommitMs = startedMs;
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
    batch.forEach((p, i) => this.answer(p, this.settler.settle(p.change, results[i]!)));
    this.commitPending();
  }

  /** The change has settled: its patient hears the outcome, unless already told it was unknown. */
  private answer(p: Pending, outcome: Outcome): void {
    clearTimeout(p.timer);
    this.inFlightBy.closed(p.change.patient);
    if (p.answered) return;
    p.answered = true;
    p.done(outcome);
  }

  /**
   * No answer yet, long after the change arrived: a commit hangs (a database that stopped answering).
   * One not sent yet is taken out of the queue and refused; one sent is answered now with an unknown
   * outcome, and memory follows whatever its commit says once it settles.
   */
  private overdue(p: Pending): void {
    if (p.sent) {
      // Told now; `mine` still waits for the commit to settle (`settled` stays open until then).
      p.answered = true;
      return p.done(failed(p.change, "no answer from the database in time", true));
    }
    this.pending = this.pending.filter((q) => q !== p);
    this.settler.undo(p.change);
    this.answer(p, failed(p.change, "it waited too long behind a commit that does not finish", false));
  }

  private onBatchFailed(batch: Pending[], err: Error): void {
    this.inFlight = undefined;
    for (const { change } of batch) this.settler.undo(change);
    const unknown = err instanceof OutcomeUnknown;
    for (const p of batch) this.answer(p, failed(p.change, err.message, unknown));
    this.commitPending();
  }
}

function failed(change: Change, why: string, unknown: boolean): Outcome {
  const what = unknown ? "outcome is unknown" : "could not be saved";
  return { kind: "failed", reason: `${noun[change.kind]} ${what} (${why})`, unknown };
}

const noun = { book: "booking", cancel: "cancellation", move: "move" } as const;

/**
 * Who asked and a staff override, on the change only when given (a patient's never carries `override`). `who`
 * is read here, for a change that goes to the database (a patient's address is a system call).
 */
const extra = (who: Who | undefined, override: boolean | undefined, span?: BookedSpan) => ({
  ...(who ? { who: typeof who === "function" ? who() : who } : {}),
  ...(override ? { override } : {}),
  ...(span ? { span } : {}),
});

function later<T>(done: (outcome: T) => void, outcome: T): void {
  queueMicrotask(() => done(outcome));
}

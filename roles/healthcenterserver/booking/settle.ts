// How the Booker brings memory in line with what the database did with each change of a batch, and
// what it answers: a stored change is published on schedule.changes; a refused one makes memory
// follow the database's holder; a failed batch frees what it had reserved. With a database only this
// process writes (SQLite), memory and the database agree by construction, and a disagreement is a
// bug: an assertion. With a shared one (PostgreSQL), memory follows the other servers through a mirror
// that lags: where the database's answer disagrees with memory, memory takes the database's word, and
// the event is reported (logged and counted); asserts stay for what the database itself answered.
import { assert } from "../../../shared/assert.ts";
import type { Change, ChangeResult } from "../store/appointment-store.ts";
import type { BookingOutcome, MoveOutcome, Outcome } from "./outcomes.ts";
import type { Schedule } from "./schedule.ts";

/**
 * `shared`: other processes write the database too (PostgreSQL), so memory may lag it: cancellations
 * and moves are decided by the database, `mine` reads what it stores, and a result that disagrees
 * with memory corrects memory instead of stopping the server.
 */
export type BookerRules = {
  bookingsPerPatient: number;
  shared?: { heldBy(patient: string): Promise<number[]> };
  /** Every change is answered within this long of its arrival (default database_commit_timeout_ms). */
  answerWithinMs?: number;
};

/** The slots and moves the Booker holds in memory for changes not yet stored. */
export class Reservations {
  /**
   * Slots reserved here by a booking or move not yet committed or given up: not shown by `mine`, and
   * what a re-read of a shared database must not undo.
   */
  readonly unconfirmed = new Set<number>();
  /** patient -> moves in flight: each holds two slots in memory but will end holding one. */
  readonly moving = new Map<string, number>();
}

export class Settler {
  private readonly unconfirmed: Set<number>;
  private readonly moving: Map<string, number>;
  /** Hears each time memory disagreed with the database's answer and took its word (shared database only). */
  onCorrected: ((what: string) => void) | undefined;

  constructor(
    private readonly schedule: Schedule,
    private readonly rules: BookerRules,
    reservations: Reservations,
  ) {
    this.unconfirmed = reservations.unconfirmed;
    this.moving = reservations.moving;
  }

  /** Brings memory in line with what the database did, and says what to answer. */
  settle(change: Change, result: ChangeResult): Outcome {
    switch (change.kind) {
      case "book": {
        this.unconfirmed.delete(change.index);
        return this.settleTake(change.index, result);
      }
      case "cancel": {
        const slot = this.schedule.slotOf(change.index)!;
        if (result.kind === "done") {
          this.freedByDatabase(change.index, change.patient, "cancelled");
          return { kind: "cancelled", slot };
        }
        if (result.kind === "policy") return result;
        if (result.kind === "visited") return { kind: "visited", status: result.status };
        assert(
          result.kind === "notyours",
          () => `a cancellation is done, notyours, policy or visited, not ${result.kind}`,
        );
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
        if (result.elsewhere) {
          // An appointment memory did not know of starts beside it and its span meets this one's: nobody
          // holds this slot (making it the other patient's would show them a phantom appointment, and
          // keep the slot from everybody after theirs is cancelled). Memory frees it; the mirror follows.
          // Said on the feed: a slot the rules no longer offer (stale-rules.ts) then leaves the schedule.
          this.schedule.release(index);
          this.schedule.changes.publish({ index, holder: undefined });
          return { kind: "notavailable", slot };
        }
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
      case "policy":
        // The clinic's rules are the database's to apply (its transaction's clock): memory frees the slot.
        this.schedule.release(index);
        return result;
      case "noshows":
        this.schedule.release(index);
        return { kind: "noshows", count: result.count };
      case "notyours":
      case "visited":
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
    if (result.kind === "visited") {
      this.schedule.release(change.to);
      return { kind: "visited", status: result.status };
    }
    assert(result.kind !== "limit" && result.kind !== "noshows", () => "a move is never refused for a limit");
    const outcome = this.settleTake(change.to, result);
    if (outcome.kind !== "booked") return outcome as MoveOutcome;
    this.freedByDatabase(change.from, change.patient, "moved from");
    return { kind: "moved", slot: outcome.slot, from: this.schedule.slotOf(change.from)! };
  }

  /**
   * The database freed `index`, which it had as `patient`'s. Memory normally says so too; with a
   * shared database it may not have caught up (the patient cancelled and booked it again on another
   * server, say): memory follows the database. A slot memory has reserved for a change of this
   * server's still in flight is left alone: that change's own result decides it.
   */
  private freedByDatabase(index: number, patient: string, what: string): void {
    const local = this.schedule.holderOf(index);
    if (local !== patient) {
      assert(this.rules.shared !== undefined, () => `${what} slot ${index} was held by ${patient}`);
      const had = local === undefined ? "free" : `${local}'s`;
      this.onCorrected?.(
        `memory had slot ${index} as ${had} when the database ${what} it for ${patient}; memory follows the database`,
      );
      if (local === undefined || this.unconfirmed.has(index)) return;
    }
    this.schedule.release(index);
    this.schedule.changes.publish({ index, holder: undefined });
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

  /** A move of the patient is answered: they will hold one slot of its two again. */
  endMove(patient: string): void {
    const left = (this.moving.get(patient) ?? 0) - 1;
    assert(left >= 0, () => `${patient} had a move in flight`);
    if (left === 0) this.moving.delete(patient);
    else this.moving.set(patient, left);
  }

  /** The batch holding `change` failed: nothing of it is stored, so what it reserved is freed. */
  undo(change: Change): void {
    if (change.kind === "cancel") return;
    const reserved = change.kind === "book" ? change.index : change.to;
    this.unconfirmed.delete(reserved);
    this.schedule.release(reserved);
    if (change.kind === "move") this.endMove(change.patient);
  }
}

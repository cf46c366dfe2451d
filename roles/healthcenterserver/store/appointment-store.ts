// What the booking pipeline asks of a database. A store takes a batch of changes and answers one
// result per change; SqliteStore (sqlite/sqlite-store.ts) and PgStore (postgres/pg-store.ts)
// implement it, tests/store-conformance.test.ts runs the same cases against both, and any other
// store must keep these rules:
//
// 1. One batch is one transaction: every change of it is stored, or none (the promise rejects).
// 2. Changes apply in order: a later change sees what an earlier one of the same batch did.
// 3. Results come back in the order of the batch, one per change; the promise resolves only once
//    the transaction is durable (a confirmed change survives kill -9).
// 4. A refused change changes nothing and says why, with the holder as the database has it:
//    book:   the slot is held -> taken; the patient holds bookingsPerPatient already -> limit.
//    cancel: the slot is not held by this patient (free, or someone else's) -> notyours.
//    move:   `from` not held by this patient -> notyours; `to` held -> taken. A move that is done
//            books `to` and frees `from`; it never changes how many the patient holds.
//    On a calendar also: a patient's own booking past the no-show limit -> noshows; a cancel or move
//    of an appointment already arrived, seen or missed -> visited. A cancelled appointment is kept
//    (appointments_closed) and its time is free again.
// 5. bookingsPerPatient (0 = no limit) is given when the store is opened, and is checked inside
//    the transaction, so processes sharing the database cannot pass it together.
// 6. load() hands every stored booking to the schedule (the server calls it once, at start-up,
//    before the first commit); a store closed and opened again loads exactly what its confirmed
//    changes left.
// 7. On a calendar, the clinic's rules (StoreOptions.policy, calendar/policy.ts) are checked inside
//    the transaction against its own clock reading: a booking (or a move's new slot) too soon or too
//    far ahead, a cancellation (or a move's old slot) past the cut-off -> policy, and nothing changes.
//    A change with `override` from a staff member who gave a reason passes them; the done result then
//    names the rules it passed (`overrode`), for the audit record. A type with rules of its own
//    (`typeRules`) has them instead: the cut-off by the type the appointment was stored with.
// Slot indexes are those of the schedule; the store does not check that they exist.

import type { AuditContent, AuditRecord } from "../audit/chain.ts";
import type { OutboxPolicy } from "../notify/outbox-plan.ts";
import type { ClinicPolicy, PolicyRefusal, PolicyRule, TypeRules } from "../calendar/policy.ts";
import type { HeldStatus, MarkStatus, VisitStatus } from "../calendar/visit-status.ts";

/**
 * Who asked for a change, for the audit trail: a store that keeps one writes a record of the change
 * and its result in the change's own transaction. Without it nothing is recorded (tests, benches).
 */
export type ChangeWho = { actor: string; role: string; via: string; address: string; reason: string };

/**
 * On a calendar, what a booking (or a move's target) is booked as: the type's name ("" = the rule's
 * plain slot), its length and buffers in minutes. The store stores it and refuses it (taken) when
 * [start - before, start + minutes + after) meets what another appointment of the doctor blocks.
 * Absent: a plain slot of the schedule's length.
 */
export type BookedAs = { type: string; minutes: number; before: number; after: number };

/** `override`: a staff member passes the clinic's rules; honoured only with a reason in `who` (rule 7). */
export type Change =
  | { kind: "book"; index: number; patient: string; who?: ChangeWho; override?: boolean; span?: BookedAs }
  | { kind: "cancel"; index: number; patient: string; who?: ChangeWho; override?: boolean }
  | { kind: "move"; from: number; to: number; patient: string; who?: ChangeWho; override?: boolean; span?: BookedAs };

export type ChangeResult =
  /** `overrode`: the clinic's rules a staff override passed (absent when none was in the way). */
  | { kind: "done"; overrode?: PolicyRule[] }
  /**
   * book or move: the slot to take is held, by `holder`; `elsewhere`: by an appointment starting at
   * another slot whose span (length, buffers) meets this one's, so nobody holds this slot itself.
   */
  | { kind: "taken"; holder: string; elsewhere?: true }
  /** cancel or move: the slot to free is not this patient's; `holder` is who has it ("" = nobody). */
  | { kind: "notyours"; holder: string }
  /** book: the patient holds `held` bookings, the limit or more. */
  | { kind: "limit"; held: number }
  /** A clinic's rule refused it (rule 7): which, and when it closed (or, for max_ahead, opens). */
  | ({ kind: "policy" } & PolicyRefusal)
  /** book by the patient (not staff): `count` no-shows in the last 6 months, the clinic's limit or more. */
  | { kind: "noshows"; count: number }
  /** cancel or move: the appointment is the patient's but no longer booked (arrived, seen, no-show). */
  | { kind: "visited"; status: HeldStatus };

/** Staff mark what happened at a visit: the appointment whose slot id is `index` becomes `status`. */
export type Mark = { index: number; status: MarkStatus; who?: ChangeWho };
/** `refused`: one line naming the value (an unknown appointment, a cancelled one, seen before its start...). */
export type MarkResult = { kind: "done"; patient: string; before: HeldStatus } | { kind: "refused"; reason: string };

/** An appointment as the day's list and a patient's past show it (cancelled ones included). */
export type Visit = {
  slot: number;
  doctor: string;
  /** The doctor's port as the calendar has it. */
  port: number;
  startMs: number;
  minutes: number;
  patient: string;
  status: VisitStatus;
  /** For a cancelled one: "patient" or "clinic", and the clinic's reason. */
  cancelledBy?: string;
  reason?: string;
};

/** Where load() puts the stored bookings: the schedule, declared here so the store does not depend on it. */
export interface BookingSink {
  /** Marks a free slot of the schedule taken; false for a slot it does not have (or that is not free). */
  reserve(index: number, patient: string, span?: BookedAs): boolean;
}

/** What load() found: bookings taken into the schedule, and those for slots the schedule does not have. */
export type Loaded = { restored: number; unknown: number };

export interface AppointmentStore {
  /** How the log names it: the file's path, or `PostgreSQL at HOST:PORT/DB`. */
  readonly shown: string;
  /** Hands every stored booking to `into` (rule 6). */
  load(into: BookingSink): Promise<Loaded>;
  /** Applies the batch in one durable transaction (rules above). Rejects, storing nothing, if it cannot. */
  commit(batch: readonly Change[]): Promise<ChangeResult[]>;
  /** Why the store cannot take a booking now (for /readyz), or undefined when it can. */
  problem(): string | undefined;
  /**
   * Only for a database reached over the network: asks it now (bounded), for /readyz; undefined when
   * it answers. A database that is back is ready again at once, not after the next booking.
   */
  checkNow?(): Promise<string | undefined>;
  /** An audit record of what is not a booking change (a staff sign-in, a read), in its own transaction. */
  appendAudit?(content: AuditContent): Promise<void>;
  /** The audit records about these subjects ("slot 12"), oldest first, the last `limit` of them. */
  auditOfSubjects?(subjects: string[], limit: number): Promise<AuditRecord[]>;
  /** Indexes up to `max` audit records by subject, after their commits; the number indexed (audit-follow.ts). */
  indexAudit?(max: number): Promise<number>;
  /** After the last commit has settled. */
  close(): Promise<void>;
  /**
   * Only for a database other servers share: from now on the schedule follows their changes, leaving
   * alone the slots for which `isPending` is true (this server's bookings not yet committed).
   */
  follow?(isPending: (index: number) => boolean): Promise<void>;
  /**
   * Only for a database other servers share: the slots it stores as the patient's, in slot order
   * (what `mine` answers: memory may lag the other servers). Rejects when the database cannot be read.
   */
  heldBy?(patient: string): Promise<number[]>;
  /** Only on a calendar: a status change, checked and audited in its own transaction. */
  mark?(m: Mark): Promise<MarkResult>;
  /**
   * Only on a calendar: the appointments starting in [fromMs, toMs), cancelled ones included, in time
   * order (then doctor); only `patient`'s when given. At most `limit`.
   */
  visits?(fromMs: number, toMs: number, limit: number, patient?: string): Promise<Visit[]>;
}

/** What the Booker needs of a store. */
export type Committer = Pick<AppointmentStore, "commit" | "close">;

export type StoreOptions = {
  bookingsPerPatient: number;
  /** The operator accepts a second server on the same SQLite file (--shared-sqlite). */
  sharedSqlite?: boolean;
  /** On a calendar, each change writes its messages (confirmation, reminder) in its transaction. */
  outbox?: OutboxPolicy;
  /** On a calendar, the clinic's rules (rule 7); undefined or all 0: none. */
  policy?: ClinicPolicy;
  /** The types with rules of their own, by name, as the calendar has them now (rule 7: theirs apply). */
  typeRules?: () => ReadonlyMap<string, TypeRules>;
  /** On a calendar: a patient with this many no-shows in 6 months may not book (0 or none: no limit). */
  noShowLimit?: number;
  /**
   * On a calendar: the rules' version the server's slots were made from. A booking or move committed under
   * a newer one (an edit committed, not yet followed) is refused as taken: that edit's check that no booked
   * appointment loses its slot ran without it (store/stale-rules.ts).
   */
  calendarVersion?: () => number;
  /**
   * On a calendar: false when the server's slots hold `index` only as booked outside availability, or no
   * longer offer it as `span` (its type's length or start changed): CalendarKeeper.offers.
   */
  offers?: (index: number, span?: BookedAs) => boolean;
};

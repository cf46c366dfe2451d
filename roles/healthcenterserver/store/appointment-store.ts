// What the booking pipeline asks of a database. A store takes a batch of changes and answers one
// result per change; store.ts (bun:sqlite) and pg-committer.ts (PostgreSQL) implement it, and any
// other store must keep these rules:
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
// 5. bookingsPerPatient (0 = no limit) is given when the store is opened, and is checked inside
//    the transaction, so processes sharing the database cannot pass it together.
// Slot indexes are those of the schedule; the store does not check that they exist.

export type Change =
  | { kind: "book"; index: number; patient: string }
  | { kind: "cancel"; index: number; patient: string }
  | { kind: "move"; from: number; to: number; patient: string };

export type ChangeResult =
  | { kind: "done" }
  /** book or move: the slot to take is held, by `holder`. */
  | { kind: "taken"; holder: string }
  /** cancel or move: the slot to free is not this patient's; `holder` is who has it ("" = nobody). */
  | { kind: "notyours"; holder: string }
  /** book: the patient holds `held` bookings, the limit or more. */
  | { kind: "limit"; held: number };

export interface AppointmentStore {
  /** Every stored booking: slot index -> patient. Read once at start-up. */
  bookings(): Promise<Map<number, string>>;
  /** Applies the batch in one durable transaction (rules above). Rejects, storing nothing, if it cannot. */
  commit(batch: readonly Change[]): Promise<ChangeResult[]>;
  /** After the last commit has settled. */
  close(): Promise<void>;
}

export type StoreOptions = { bookingsPerPatient: number };

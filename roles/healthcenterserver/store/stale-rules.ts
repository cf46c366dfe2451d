// A booking against rules the server has not followed yet. An availability edit commits its rules after
// checking, in its transaction, that no booked appointment loses its slot; a server sees the new rules
// within a second (it polls their version). A booking committed in that second, on a slot the edit
// removed, would be stored where the doctor no longer works, unseen by the edit's check. So a booking or
// a move committed while the database's version is newer than the one the server's slots were made from
// is refused as taken (nobody holds the slot: memory frees it) and the patient asks again once the
// server has the new rules. Edits are rare; the check is one read of one row a batch.
// A booking reserved under the old rules may also commit after the server followed the edit (its batch
// waited on a lock meanwhile): the versions then agree, but the slot, kept because it is held, is outside
// availability in the server's slots, or its type no longer starts there as reserved. It is refused the same way.
import type { BookedAs, ChangeResult, StoreOptions } from "./appointment-store.ts";

export const rules_version_sql = "SELECT version FROM calendar_state";

export const stale_rules: ChangeResult = { kind: "taken", holder: "", elsewhere: true };

/** The batch read rules newer than the server's (`stale`), or the server's slots no longer offer `index` as `span`. */
export function refusedAsStale(stale: boolean, options: StoreOptions, index: number, span?: BookedAs): boolean {
  return stale || options.offers?.(index, span) === false;
}

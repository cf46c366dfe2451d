// What the Booker answers for each change: the outcome a session turns into a reply.
import type { Slot } from "../../../shared/datafiles.ts";
import type { PolicyRefusal } from "../calendar/policy.ts";

/** `unknown`: the commit may have been stored or not (a database that stopped answering); `mine` tells. */
export type Failed = { kind: "failed"; reason: string; unknown?: boolean };
/** One of the clinic's rules (calendar/policy.ts) refused the change; nothing changed. */
export type PolicyRefused = { kind: "policy" } & PolicyRefusal;
export type BookingOutcome =
  | { kind: "booked"; slot: Slot }
  | { kind: "notavailable"; slot: Slot }
  | { kind: "invalid" }
  | { kind: "limit"; held: number }
  | PolicyRefused
  | { kind: "noshows"; count: number }
  | Failed;
/** `visited`: the appointment was already arrived, seen or missed (`status`): no longer the patient's to change. */
export type Visited = { kind: "visited"; status: string };
export type CancelOutcome =
  | { kind: "cancelled"; slot: Slot }
  | { kind: "notyours" }
  | { kind: "invalid" }
  | PolicyRefused
  | Visited
  | Failed;
export type MoveOutcome =
  | { kind: "moved"; slot: Slot; from: Slot }
  | { kind: "notavailable"; slot: Slot }
  | { kind: "notyours" }
  | { kind: "invalid" }
  | PolicyRefused
  | Visited
  | Failed;
export type Outcome = BookingOutcome | CancelOutcome | MoveOutcome;

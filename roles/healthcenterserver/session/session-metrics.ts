// What a session counts, declared here so the session does not know who reports it: the staff page's
// ServerMetrics (staff/server-metrics.ts) implements it, and without --http there is none.
import type { BookingOutcome, CancelOutcome, MoveOutcome } from "../booking/booker.ts";
import type { AuthResult } from "../login/auth.ts";

type Count<Label extends string> = { inc(label: Label): void };

/** The label of each count: the outcomes the session hears, by the names the Booker and the login give them. */
export type LoginLabel = AuthResult;
export type BookingLabel = BookingOutcome["kind"];
export type CancelLabel = CancelOutcome["kind"];
export type MoveLabel = MoveOutcome["kind"];

export interface SessionMetrics {
  /** One per accepted patient connection. */
  sessions: { inc(): void };
  logins: Count<LoginLabel>;
  booking(outcome: BookingLabel): void;
  cancellations: Count<CancelLabel>;
  moves: Count<MoveLabel>;
  /** One request answered: `startedMs` is performance.now() when its line was read. */
  requestDone(command: string, startedMs: number): void;
}

// What a session counts, declared here so the session does not know who reports it: the staff page's
// ServerMetrics (staff/server-metrics.ts) implements it, and without --http there is none.
import type { BookingOutcome, CancelOutcome, MoveOutcome } from "../booking/booker.ts";
import type { AuthResult } from "../login/auth.ts";

type Count<Label extends string> = { inc(label: Label): void };

export interface SessionMetrics {
  /** One per accepted patient connection. */
  sessions: { inc(): void };
  logins: Count<AuthResult>;
  booking(outcome: BookingOutcome["kind"]): void;
  cancellations: Count<CancelOutcome["kind"]>;
  moves: Count<MoveOutcome["kind"]>;
  /** One request answered: `startedMs` is performance.now() when its line was read. */
  requestDone(command: string, startedMs: number): void;
}

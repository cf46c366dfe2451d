// What every session of one server shares, and how a session answers a request that waits.
import type { Log } from "../../../shared/log.ts";
import type { DoctorLocation } from "../../../shared/endpoints.ts";
import type { Authenticator } from "../login/auth.ts";
import type { Booker } from "../booking/booker.ts";
import type { Schedule } from "../booking/schedule.ts";
import type { Connection } from "../network/connection.ts";
import type { SessionMetrics } from "./session-metrics.ts";
import type { IcsSource } from "./ics-request.ts";
import type { Visit } from "../store/appointment-store.ts";
import type { ClinicPolicy } from "../calendar/policy.ts";

/** The patient's visits starting in [fromMs, toMs), at most `limit` (the calendar store's visits). */
export type PastSource = (patient: string, fromMs: number, toMs: number, limit: number) => Promise<Visit[]>;

/** What every session of one server shares. */
export type SessionServices = {
  auth: Authenticator;
  booker: Booker;
  schedule: Schedule;
  /** Where a doctor really is, when the operator said so; patients are sent there. */
  doctors: Map<string, DoctorLocation>;
  log: Log;
  /** The masked user database, as the seed logs it on each login (on a terminal);
   * empty when printed once at start-up. */
  userListing: string;
  /** On a calendar: the clinic and the messages' UIDs, for `ics`. */
  ics?: IcsSource;
  /** On a calendar: a patient's past appointments with their statuses (`mine past`). */
  past?: PastSource;
  /** The clinic's rules: `slots` offers only the starts they let a patient book now. */
  policy?: ClinicPolicy;
  /** Counts for /metrics (only with --http). */
  metrics?: SessionMetrics;
  /** Runs a callback that arrives later (a hash check, a commit) with the same guard as socket events. */
  guard: (c: Connection, fn: () => void) => void;
};

/**
 * Holds the connection's later lines until a request that waits (a hash check, a commit) is answered:
 * returns the callback that answers it under the services' guard, then lets the connection go on.
 */
export type AnswerLater = <T>(answer: (value: T) => void) => (value: T) => void;

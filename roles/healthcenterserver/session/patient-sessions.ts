// What every patient session of one server shares, and the factory the listener calls for each
// accepted connection. The entry builds it (with the Booker) and hands `newHandler` to the listener.
import type { User } from "../../../shared/datafiles.ts";
import type { Connection, LineHandler } from "../network/connection.ts";
import type { SessionServices } from "./services.ts";
import { Session } from "./session.ts";
import * as transcript from "./transcript.ts";

export type PatientSessionsOptions = Omit<SessionServices, "userListing"> & {
  /** Listed (masked) in the log on each login, on a terminal. */
  users: readonly User[];
};

export class PatientSessions {
  private readonly services: SessionServices;

  constructor({ users, ...shared }: PatientSessionsOptions) {
    // Off a terminal the list is printed once at start-up (see healthcenterserver.ts), not per login.
    this.services = { ...shared, userListing: shared.log.plain ? transcript.userListing(users) : "" };
  }

  /** A new patient connection's session. */
  newHandler(conn: Connection): LineHandler {
    this.services.metrics?.sessions.inc();
    return new Session(conn, this.services);
  }

  /** Users read again (SIGHUP): later logins, and the masked listing in the log, use these. */
  replaceUsers(users: readonly User[]): void {
    this.services.auth.replaceUsers(users);
    if (this.services.log.plain) this.services.userListing = transcript.userListing(users);
  }
}

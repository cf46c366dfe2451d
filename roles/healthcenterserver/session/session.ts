// One patient's session: what each request line means, and the reply it gets. Callbacks are named
// after what they answer (onLoginChecked, onSelectionCommitted). The connection moves the bytes.
import { connection_errors_max, login_failures_per_connection_max } from "../../../shared/limits.ts";
import type { CausedMeta, Fields } from "../../../shared/log.ts";
import { encoded_reply } from "./encoded-replies.ts";
import { formatError, formatLimitReached, parseRequest, type Request } from "../../../shared/protocol.ts";
import { formatChangeFailed } from "../../../shared/change-failed.ts";
import { AppointmentRequests, hasStarted, patientWho, policyReply, time_passed } from "./appointment-requests.ts";
import type { AuthResult } from "../login/auth.ts";
import type { BookingOutcome } from "../booking/booker.ts";
import type { Connection, LineHandler } from "../network/connection.ts";
import { type LoggedInRequest, needsLogin } from "./login-needed.ts";
import type { SessionServices } from "./services.ts";
import * as transcript from "./transcript.ts";
import { noShowRefusal } from "../calendar/visit-status.ts";
import { bookedReply } from "./slot-listing.ts";
import { typeNumber, typesListing } from "./type-requests.ts";

const selectionMeta = (event: string, fields: Fields | undefined) => ({ event, cause: "selections", fields });

/** The meta of the lines every session logs, made once: a JSON line adds its fields to a copy. */
const meta = {
  separator: { event: "login.separator", cause: "logins" },
  loginReceived: { event: "login.received", cause: "logins" },
  loginSucceeded: { event: "login.succeeded", cause: "logins" },
  available: { event: "available", cause: "available" },
  selectionReceived: { event: "selection.received", cause: "selections" },
  selectionRejected: { event: "selection.rejected", cause: "selections" },
} as const satisfies Record<string, CausedMeta>;

const withFields = (m: CausedMeta, fields: Fields | undefined): CausedMeta => (fields ? { ...m, fields } : m);

export class Session implements LineHandler {
  private user: string | undefined;
  private protocolErrors = 0;
  private loginFailures = 0;
  /** The request being answered, for its latency (one at a time: the connection holds later lines). */
  private requestKind = "";
  private requestStartedMs = 0;
  private appointmentRequests: AppointmentRequests | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly services: SessionServices,
  ) {}

  /** Made on first use: most sessions (the classic protocol) never need it. */
  private get appointments(): AppointmentRequests {
    this.appointmentRequests ??= new AppointmentRequests(this.conn, this.services, (answer) =>
      this.answerLater(answer),
    );
    return this.appointmentRequests;
  }

  onLine(line: string): void {
    const metrics = this.services.metrics;
    const request = parseRequest(line);
    if (metrics) {
      this.requestKind = request.kind;
      this.requestStartedMs = performance.now();
    }
    this.dispatch(request);
    if (metrics && this.conn.state.kind !== "waiting") metrics.requestDone(this.requestKind, this.requestStartedMs);
  }

  /** See AnswerLater: the connection holds later lines until the answer is queued. */
  private answerLater<T>(answer: (value: T) => void): (value: T) => void {
    this.conn.awaitReply();
    return (value) =>
      this.services.guard(this.conn, () => {
        answer(value);
        this.services.metrics?.requestDone(this.requestKind, this.requestStartedMs);
        this.conn.replyDone();
      });
  }

  private dispatch(request: Request): void {
    if (needsLogin(request)) {
      if (this.user === undefined) return this.protocolError("authenticate first");
      return this.dispatchLoggedIn(this.user, request);
    }
    switch (request.kind) {
      case "bad":
        return this.protocolError(request.reason);
      case "authenticate":
        if (this.user !== undefined) return this.protocolError("already authenticated");
        return this.authenticate(request.user, request.password);
      case "ping":
        return this.conn.send(encoded_reply.pong);
    }
  }

  private dispatchLoggedIn(user: string, request: LoggedInRequest): void {
    switch (request.kind) {
      case "available":
        return this.available(user);
      case "selection":
        return this.selection(user, request.index, request.type);
      case "slots":
        return this.appointments.slots(user, request);
      case "mine":
        return request.past ? this.appointments.minePast(user) : this.appointments.mine(user);
      case "ics":
        return this.appointments[request.kind](user);
      case "cancel":
        return this.appointments.cancel(user, request.index);
      case "reschedule":
        return this.appointments.reschedule(user, request.from, request.to);
      case "types":
        return this.conn.send(typesListing(this.services.schedule));
    }
  }

  /** Fields for a JSON log line (the peer's address is read only then); callers make `f` only for JSON. */
  private fields(f: Fields): Fields {
    return { ...f, address: this.conn.address, port: this.conn.port };
  }

  private protocolError(reason: string): void {
    this.protocolErrors += 1;
    this.conn.send(formatError(reason));
    if (this.protocolErrors >= connection_errors_max) this.conn.closeWhenFlushed();
  }

  private authenticate(user: string, password: string): void {
    const { log, auth, userListing } = this.services;
    const fields = log.json ? this.fields({ user }) : undefined;
    // With --quiet none of these is made (a line built per login only to be dropped cost 0.1 µs a session).
    if (!log.quiet) {
      log.info(transcript.separator, meta.separator);
      log.info(() => transcript.loginReceived(user), withFields(meta.loginReceived, fields));
      if (userListing) log.info(userListing, { event: "login.users", cause: "logins" });
    }
    const result = auth.check(user, password, this.conn);
    if (typeof result === "string") return this.onLoginChecked(user, result);
    result.then(this.answerLater((checked: AuthResult) => this.onLoginChecked(user, checked)));
  }

  private onLoginChecked(user: string, result: AuthResult): void {
    const log = this.services.log;
    this.services.metrics?.logins.inc(result);
    const fields = log.json ? this.fields({ user, outcome: result }) : undefined;
    if (result === "success") {
      this.user = user;
      this.conn.loggedIn = true;
      // Guarded: with --quiet, not even the line's closure and meta are made (per session, for nothing).
      if (!log.quiet) log.info(() => transcript.loginSucceeded(user), withFields(meta.loginSucceeded, fields));
      return this.conn.send(encoded_reply.success);
    }
    this.loginFailures += 1;
    if (result === "throttled")
      log.audit(transcript.loginThrottled(user, this.conn.address), {
        event: "login.throttled",
        cause: "throttled logins",
        fields,
      });
    else log.audit(transcript.loginFailed(user), { event: "login.failed", cause: "refused logins", fields });
    if (result === "throttled" && !log.quiet) log.info(transcript.loginFailed(user), { cause: "throttled logins" });
    this.conn.send(encoded_reply.failure);
    if (this.loginFailures >= login_failures_per_connection_max) {
      log.info(transcript.closingAfterFailedLogins(this.conn.address, this.conn.port, this.loginFailures), {
        event: "connection.closed",
        cause: "dropped connections",
        fields,
      });
      this.conn.closeWhenFlushed();
    }
  }

  private available(user: string): void {
    const { log, schedule } = this.services;
    // With --quiet nothing here is logged: no line, no meta, no read of the peer's address.
    const m = log.quiet ? undefined : withFields(meta.available, log.json ? this.fields({ user }) : undefined);
    if (m) log.info(() => transcript.availableReceived(this.conn.port, this.conn.address), m);
    if (m) log.info(schedule.logListing(), m);
    const whole = schedule.smallReply();
    if (whole) this.conn.send(whole);
    else this.conn.sendStream(schedule.availableChunks());
    if (m) log.info(() => transcript.availableSent(user), m);
  }

  private selection(user: string, index: number, typeName?: string): void {
    const log = this.services.log;
    if (!log.quiet)
      log.info(
        () => transcript.selectionReceived(index, this.conn.port, user),
        withFields(meta.selectionReceived, log.json ? { user, index } : undefined),
      );
    if (hasStarted(this.services.schedule, index)) return this.conn.send(formatError(time_passed));
    const type = typeNumber(this.services.schedule, typeName);
    if (typeof type === "string") return this.conn.send(formatError(type));
    const booker = this.services.booker;
    // A taken (or unknown) slot is answered now, as the booker would answer it later: no wait, no turn.
    const refused = booker.refusedAtOnce(index, user, type);
    if (refused) return this.onSelectionCommitted(user, index, refused);
    const answer = this.answerLater((outcome: BookingOutcome) => this.onSelectionCommitted(user, index, outcome));
    booker.book(index, user, answer, () => patientWho(user, this.conn.address), undefined, type);
  }

  /** The selection's outcome: committed, or refused at once. */
  private onSelectionCommitted(user: string, index: number, outcome: BookingOutcome): void {
    const log = this.services.log;
    this.services.metrics?.booking(outcome.kind);
    const fields = log.json ? this.fields({ user, index }) : undefined;
    const cause = "selections";
    switch (outcome.kind) {
      case "invalid":
        log.info(transcript.selectionInvalid, { event: "selection.invalid", cause, fields });
        return this.conn.send(encoded_reply.invalid);
      case "notavailable":
        if (!log.quiet)
          log.info(() => transcript.selectionRejected(index, user), withFields(meta.selectionRejected, fields));
        return this.conn.send(encoded_reply.notavailable);
      case "limit":
        log.info(
          `${user} already holds ${outcome.held} bookings: slot ${index} refused`,
          selectionMeta("selection.limit", fields),
        );
        return this.conn.send(formatLimitReached(outcome.held));
      case "policy":
        log.info(`${user} may not book slot ${index} now: ${outcome.rule}`, selectionMeta("selection.policy", fields));
        return this.conn.send(policyReply(outcome, "book", this.services.schedule));
      case "noshows":
        log.info(
          `${user} has ${outcome.count} no-shows: slot ${index} refused`,
          selectionMeta("selection.noshows", fields),
        );
        return this.conn.send(formatError(noShowRefusal(outcome.count)));
      case "failed":
        log.error(outcome.reason, { event: "change.failed", cause: "failed changes" });
        return this.conn.send(formatChangeFailed("booking", outcome.unknown === true));
      case "booked": {
        log.audit(transcript.selectionConfirmed(index, user), {
          event: "booking.confirmed",
          fields: log.json ? this.fields({ user, index, doctor: outcome.slot.doctor }) : undefined,
        });
        return this.conn.send(bookedReply(this.services, outcome.slot));
      }
    }
  }
}

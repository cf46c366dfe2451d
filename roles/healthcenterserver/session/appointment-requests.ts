// The requests of patients who manage their appointments (slots, mine, cancel, reschedule), for one
// session. Callbacks are named after what they answer (onCancelCommitted, onMoveCommitted).
import type { ChangeWho } from "../store/appointment-store.ts";
import { formatChangeFailed } from "../../../shared/change-failed.ts";
import type { Slot } from "../../../shared/datafiles.ts";
import { formatError, type SlotsQuery } from "../../../shared/protocol.ts";
import { encoded_reply } from "./encoded-replies.ts";
import type { CancelOutcome, MoveOutcome } from "../booking/booker.ts";
import type { Connection } from "../network/connection.ts";
import type { AnswerLater, SessionServices } from "./services.ts";
import type { Schedule } from "../booking/schedule.ts";
import { calendarQuery, datesRefused, defaultTypeBookable } from "./calendar-query.ts";
import { decodeSlotId, firstIdFrom } from "../calendar/slot-id.ts";
import { policyForType, refusalLine, type PolicyRefusal } from "../calendar/policy.ts";
import { icsReply } from "./ics-request.ts";
import { bookedReply, listing } from "./slot-listing.ts";
import { pastReply } from "./past-request.ts";
import { visitedRefusal } from "../calendar/visit-status.ts";
import { typeNumber } from "./type-requests.ts";

export class AppointmentRequests {
  /** `answerLater`: the session's way to answer a request that waits for a commit. */
  constructor(
    private readonly conn: Connection,
    private readonly services: SessionServices,
    private readonly answerLater: AnswerLater,
  ) {}

  slots(user: string, query: SlotsQuery): void {
    const schedule = this.services.schedule;
    if ((query.from || query.to) && !schedule.calendar)
      return this.conn.send(formatError("usage: from= and to= need a calendar (this server has a weekday file)"));
    const calendar = schedule.calendar;
    const refused = calendar && datesRefused(query);
    if (refused) return this.conn.send(formatError(refused));
    const type = typeNumber(schedule, query.type);
    if (typeof type === "string") return this.conn.send(formatError(type));
    const policy = policyForType(this.services.policy, type === undefined ? undefined : calendar?.types[type]);
    const now = Date.now();
    const bookable = calendar && type === undefined ? defaultTypeBookable(calendar, policy, now) : undefined;
    const page = schedule.freePage(calendar ? calendarQuery(query, calendar.zone, now, policy) : query, type, bookable);
    this.services.log.info(`Slots requested by ${user} (${describe(query)}): ${page.length} sent`, {
      event: "slots",
      cause: "slots",
    });
    this.conn.send(listing(this.services, page, type));
  }

  /**
   * Waits for the patient's changes in flight (on any connection), so it shows their outcome; with a
   * shared database, the list is what the database stores (memory may lag the other servers).
   */
  mine(user: string): void {
    const held = this.held(user);
    if (Array.isArray(held)) return this.sendMine(user, held);
    const reply = this.answerLater((slots: Slot[] | Error) =>
      slots instanceof Error ? this.mineFailed(user, slots) : this.sendMine(user, slots),
    );
    held.then(reply, (err: Error) => reply(err));
  }

  /** `mine past`: the last year's appointments with each status (session/past-request.ts). */
  minePast(user: string): void {
    const reply = this.answerLater((text: string | Error) =>
      text instanceof Error ? this.mineFailed(user, text) : this.conn.send(text),
    );
    pastReply(this.services, user, Date.now()).then(reply, (err: Error) => reply(err));
  }

  /** `ics`: the clinic and the upcoming appointments with their messages' UIDs (session/ics-request.ts). */
  ics(user: string): void {
    const { schedule, ics } = this.services;
    if (!schedule.calendar || !ics) return this.conn.send(formatError(ics_needs_calendar));
    const reply = this.answerLater((text: string | Error) =>
      text instanceof Error ? this.mineFailed(user, text) : this.conn.send(text),
    );
    Promise.resolve(this.held(user))
      .then((held) => icsReply(held, user, schedule, ics, Date.now()))
      .then(reply, (err: Error) => reply(err));
  }

  /** The patient's held slots once their changes in flight have settled. */
  private held(user: string): Slot[] | Promise<Slot[]> {
    const settled = this.services.booker.settled(user);
    return settled ? settled.then(() => this.services.booker.mine(user)) : this.services.booker.mine(user);
  }

  /** A shared database that cannot be read now: `mine` cannot say what is stored. */
  private mineFailed(user: string, err: Error): void {
    this.services.log.error(`Appointments of ${user} could not be read: ${err.message}`, {
      event: "mine.failed",
      cause: "failed changes",
    });
    this.conn.send(formatError("appointments could not be read, try again"));
  }

  private sendMine(user: string, held: Slot[]): void {
    this.services.log.info(`Appointments requested by ${user}: ${held.length} held`, {
      event: "mine",
      cause: "appointment lists",
    });
    this.conn.send(listing(this.services, held));
  }

  cancel(user: string, index: number): void {
    this.services.log.info(`Cancellation of slot ${index} received from ${user}`, {
      event: "cancel.received",
      cause: "cancellations",
    });
    if (hasStarted(this.services.schedule, index)) return this.conn.send(formatError(appointment_started));
    this.services.booker.cancel(
      index,
      user,
      this.answerLater((outcome: CancelOutcome) => this.onCancelCommitted(user, index, outcome)),
      () => patientWho(user, this.conn.address),
    );
  }

  reschedule(user: string, from: number, to: number): void {
    this.services.log.info(`Move from slot ${from} to slot ${to} received from ${user}`, {
      event: "move.received",
      cause: "moves",
    });
    if (hasStarted(this.services.schedule, from)) return this.conn.send(formatError(appointment_started));
    if (hasStarted(this.services.schedule, to)) return this.conn.send(formatError(time_passed));
    this.services.booker.move(
      from,
      to,
      user,
      this.answerLater((outcome: MoveOutcome) => this.onMoveCommitted(user, from, to, outcome)),
      () => patientWho(user, this.conn.address),
    );
  }

  private onCancelCommitted(user: string, index: number, outcome: CancelOutcome): void {
    const log = this.services.log;
    this.services.metrics?.cancellations.inc(outcome.kind);
    switch (outcome.kind) {
      case "cancelled":
        log.audit(`Slot ${index} cancelled by ${user}; it is free again`, {
          event: "booking.cancelled",
          fields: log.json ? { user, index } : undefined,
        });
        return this.conn.send(encoded_reply.cancelled);
      case "notyours":
        log.info(`Slot ${index} is not ${user}'s to cancel`, { event: "cancel.notyours", cause: "cancellations" });
        return this.conn.send(encoded_reply.notyours);
      case "invalid":
        return this.conn.send(encoded_reply.invalid);
      case "policy":
        log.info(`${user} may not cancel slot ${index} now: ${outcome.rule}`, {
          event: "cancel.policy",
          cause: "cancellations",
        });
        return this.conn.send(policyReply(outcome, "cancel", this.services.schedule));
      case "visited":
        return this.conn.send(formatError(visitedRefusal(outcome.status)));
      case "failed":
        log.error(outcome.reason, { event: "change.failed", cause: "failed changes" });
        return this.conn.send(formatChangeFailed("cancellation", outcome.unknown === true));
    }
  }

  private onMoveCommitted(user: string, from: number, to: number, outcome: MoveOutcome): void {
    const log = this.services.log;
    this.services.metrics?.moves.inc(outcome.kind);
    switch (outcome.kind) {
      case "moved": {
        log.audit(`${user} moved from slot ${from} to slot ${to}`, {
          event: "booking.moved",
          fields: log.json ? { user, from, to } : undefined,
        });
        return this.conn.send(bookedReply(this.services, outcome.slot));
      }
      case "notavailable":
        log.info(`${user} cannot move to slot ${to}: taken; slot ${from} kept`, {
          event: "move.notavailable",
          cause: "moves",
        });
        return this.conn.send(encoded_reply.notavailable);
      case "notyours":
        return this.conn.send(encoded_reply.notyours);
      case "invalid":
        return this.conn.send(encoded_reply.invalid);
      case "policy":
        log.info(`${user} may not move from slot ${from} to slot ${to} now: ${outcome.rule}`, {
          event: "move.policy",
          cause: "moves",
        });
        return this.conn.send(policyReply(outcome, "move", this.services.schedule));
      case "visited":
        return this.conn.send(formatError(visitedRefusal(outcome.status)));
      case "failed":
        log.error(outcome.reason, { event: "change.failed", cause: "failed changes" });
        return this.conn.send(formatChangeFailed("move", outcome.unknown === true));
    }
  }
}

/** A patient's own change over TCP, as the audit trail names who asked. */
export function patientWho(user: string, address: string): ChangeWho {
  return { actor: user, role: "patient", via: "tcp", address, reason: "" };
}

export const time_passed = "that time has passed";
/** A patient may not cancel or move a visit under way (nor dodge a no-show by it); the front desk can. */
export const appointment_started = "that appointment has started; the clinic can change it";
export const ics_needs_calendar = "ics needs a calendar (this server has a weekday file)";

/** `error <line>` for a change one of the clinic's rules refused, its instant in the clinic's zone. */
export function policyReply(r: PolicyRefusal, doing: "book" | "cancel" | "move", schedule: Schedule): string {
  return formatError(refusalLine(r, doing, schedule.calendar?.zone ?? "UTC"));
}

/** On a calendar: the id names a slot that has started (its start is in the id), never bookable. */
export function hasStarted(schedule: Schedule, index: number): boolean {
  return schedule.calendar !== undefined && index >= ids_from_2000 && decodeSlotId(index).startMs <= Date.now();
}

/** Smaller numbers name no plausible slot (before 2000): those are `invalid`, as elsewhere. */
const ids_from_2000 = firstIdFrom(Date.UTC(2000, 0, 1));

function describe(q: SlotsQuery): string {
  const parts = [
    q.from && `from=${q.from}`,
    q.to && `to=${q.to}`,
    q.day && `day=${q.day}`,
    q.doctor && `doctor=${q.doctor}`,
    q.type && `type=${q.type}`,
    q.after > 0 && `after=${q.after}`,
    `limit=${q.limit}`,
  ];
  return parts.filter(Boolean).join(" ");
}

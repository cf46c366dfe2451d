// The sender inside the server: claims due messages from the outbox (a lease, outbox-db.ts), decides
// with the clinic's clock (when.ts), delivers on the message's channel, and records the outcome:
// sent; retried with doubling backoff; failed after outbox_attempts_max tries; skipped (no contact,
// the appointment begun). One slow receiver delays only its own batch: every send has a deadline.
import * as limits from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import { YieldPace } from "./yield-pace.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { bodyText, icsOf, messageKey, subject, webhookDocument, type Clinic, type Contact } from "./compose.ts";
import { Undeliverable, type Mailer } from "./email.ts";
import { claim, counts, doctorName, finish, finishMany, recent, reminderCurrent } from "./outbox-db.ts";
import { retakeQuietHeld, retryAt } from "./outbox-db.ts";
import type { OutboxCounts, OutboxMessage } from "./outbox-db.ts";
import { followChanges, unfollowed } from "./outbox-follower.ts";
import type { OutboxPolicy } from "./outbox-plan.ts";
import { postWebhook, type WebhookTarget } from "./webhook.ts";
import { decide, type Quiet } from "./when.ts";

export type SenderParts = {
  clinic: Clinic;
  quiet: Quiet;
  mailer?: Mailer;
  webhook?: WebhookTarget;
  /** The patient's contact as their record has it now; undefined when there is none. */
  contactOf: (patient: string) => Contact | undefined;
  /** With it, each pass first follows the audit trail into the outbox (outbox-follower.ts). */
  policy?: OutboxPolicy;
  /** True while bookings come in: the sender then yields (limits.outbox_yield_batch). */
  bookingsBusy?: () => boolean;
  now?: () => number;
};

/** A message handled in a pass whose outcome is written with the others' at its end. */
type Done = { id: number; state: "sent" | "skipped" | "withdrawn"; why: string };

export function backoffMs(attempts: number): number {
  return Math.min(limits.outbox_backoff_first_ms * 2 ** Math.max(0, attempts - 1), limits.outbox_backoff_max_ms);
}

export class OutboxSender {
  /** As of the last pass; read by /metrics and the staff page. */
  counts: OutboxCounts = { pending: 0, sent: 0, failed: 0, skipped: 0, withdrawn: 0, oldestPendingMs: undefined };
  /** Messages skipped because the patient has no email (or, for the webhook, no phone). */
  noContact = 0;
  /** Audit records past the follower's cursor as of the last pass (changes among them: messages not written yet). */
  unfollowed = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly now: () => number;
  private countedAt = 0;
  /** How long the last counts took to read, and when they were read (the thread's clock). */
  private countCost = { ms: 0, at: 0, rows: 0 };
  private readonly warned = new Set<string>();
  /** Doctor names by number (numbers are never reused: calendar_doctors). */
  private readonly doctors = new Map<number, string>();
  /** The last pass followed a full run of records: more may be waiting. */
  private behind = false;
  /** The last pass yielded to bookings: the next waits outbox_poll_ms. */
  private yielded = false;
  /** Yields to bookings (parts.bookingsBusy), never past outbox_yield_lag_max_ms of work left waiting. */
  private readonly pace: YieldPace;

  constructor(
    private readonly db: CalendarDb,
    private readonly parts: SenderParts,
    private readonly log: Log,
  ) {
    this.now = parts.now ?? Date.now;
    const busy = parts.bookingsBusy ?? (() => false);
    this.pace = new YieldPace(busy, limits.outbox_yield_lag_max_ms, this.now);
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      let handled = 0;
      this.running = this.pass().then(
        (n) => (handled = n),
        (err) => this.log.warn(`outbox: cannot read the outbox: ${(err as Error).message}`),
      );
      await this.running;
      // A full batch: more may be due, taken after a short pause, so a backlog (after a booking storm)
      // drains at a bounded rate and never takes the thread from bookings. Otherwise look again later.
      const busy = !this.yielded && (handled >= limits.outbox_claim_batch || this.behind);
      const again = busy ? limits.outbox_busy_pause_ms : limits.outbox_poll_ms;
      if (!this.stopped) this.timer = setTimeout(loop, again);
    };
    // Held under the quiet hours of an earlier start: judged again with these (outbox-db.ts), then the loop.
    this.running = retakeQuietHeld(this.db, this.now(), limits.outbox_quiet_retake_after_ms).catch((err) =>
      this.log.warn(`outbox: cannot take up the messages held for quiet hours: ${(err as Error).message}`),
    );
    void this.running.then(loop);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.parts.mailer?.close();
  }

  /** One round: follows the trail, claims what is due, handles each, refreshes the counts; the number claimed. */
  async pass(): Promise<number> {
    this.yielded = this.pace.yields();
    const batch = this.yielded ? limits.outbox_yield_batch : limits.outbox_claim_batch;
    await this.follow(this.yielded ? limits.outbox_yield_follow : limits.outbox_follow_batch);
    const now = this.now();
    // Longer than any send can take (each has that deadline): a server killed mid-send leaves its
    // claims to be taken again once the lease ends.
    const lease = now + limits.notify_send_timeout_ms + 1_000;
    const due = await claim(this.db, now, lease, batch);
    // One appointment's messages go in order (booked before moved before cancelled); appointments in parallel.
    const byAppointment = new Map<string, OutboxMessage[]>();
    for (const m of due.sort((a, b) => a.seq - b.seq || a.id - b.id))
      byAppointment.set(`${m.uid} ${m.channel}`, [...(byAppointment.get(`${m.uid} ${m.channel}`) ?? []), m]);
    const done: Done[] = [];
    await Promise.all(
      [...byAppointment.values()].map(async (list) => {
        for (const m of list) await this.handle(m, now, done);
      }),
    );
    // Sent and skipped are marked in one statement each (one write, not one per message); a crash
    // before it sends them again after the lease, under the same key.
    for (const [state, why] of [...new Set(done.map((d) => `${d.state}\n${d.why}`))].map((k) => k.split("\n")))
      await finishMany(
        this.db,
        done.filter((d) => d.state === state && d.why === why).map((d) => d.id),
        state as Done["state"],
        this.now(),
        why!,
      );
    this.pace.passed(this.behind || due.length >= batch);
    if ((this.now() - this.countedAt >= limits.outbox_poll_ms || due.length === 0) && this.countsDue()) {
      const started = performance.now();
      this.counts = await counts(this.db);
      const c = this.counts;
      const rows = c.pending + c.sent + c.failed + c.skipped + c.withdrawn;
      this.countCost = { ms: performance.now() - started, at: performance.now(), rows };
      this.countedAt = this.now();
    }
    return due.length;
  }

  /** The changes committed since the last pass become their messages (a bounded run of records). */
  private async follow(max: number): Promise<void> {
    const policy = this.parts.policy;
    if (!policy) return;
    let done: Awaited<ReturnType<typeof followChanges>>;
    try {
      done = await followChanges(this.db, policy, max);
    } catch (err) {
      // Another process holds the file's write lock for a moment (an operator's edit): next pass.
      if ((err as { code?: string }).code === "SQLITE_BUSY") return;
      throw err;
    }
    this.behind = done.records >= max;
    this.unfollowed = await unfollowed(this.db);
    if (done.unreadable > 0)
      this.log.warn(
        `outbox: ${done.unreadable} audit record(s) with an unreadable calendar event; no message for them`,
      );
  }

  /**
   * The counts read every row (sent ones are kept, so the table only grows): once reading them takes
   * longer than outbox_count_ms_spaced, they are read at most outbox_count_share of the thread's time.
   * A small outbox is read every pass: its read's time by the clock is the machine's load, not its cost.
   */
  private countsDue(): boolean {
    const { ms, at, rows } = this.countCost;
    if (rows < limits.outbox_count_rows_spaced || ms < limits.outbox_count_ms_spaced) return true;
    return performance.now() - at >= ms / limits.outbox_count_share;
  }

  /** The oldest pending or failed messages, for the staff page. */
  recent(state: "pending" | "failed", count: number) {
    return recent(this.db, state, count);
  }

  oldestPendingAgeS(): number {
    const oldest = this.counts.oldestPendingMs;
    return oldest === undefined ? 0 : Math.max(0, (this.now() - oldest) / 1000);
  }

  private async handle(m: OutboxMessage, now: number, done: Done[]): Promise<void> {
    const decision = decide(m.kind, m.startMs, now, this.parts.clinic.zone, this.parts.quiet, m.oldStartMs);
    if (decision.do === "skip") return void done.push({ id: m.id, state: "skipped", why: decision.why });
    if (decision.do === "wait") return retryAt(this.db, m.id, decision.until, "quiet hours", true);
    // The follower withdraws a reminder only once it reaches the cancellation or move (it yields to
    // bookings): until then the appointment's row says whether the reminder is still its own.
    if (m.kind === "reminder" && !(await reminderCurrent(this.db, m)))
      return void done.push({ id: m.id, state: "withdrawn", why: "cancelled or moved" });
    const contact = this.parts.contactOf(m.patient) ?? {};
    const missing = m.channel === "email" ? !contact.email : !contact.phone && !contact.email;
    if (missing) {
      this.noContact++;
      const what = m.channel === "email" ? "email" : "contact";
      // Said once per patient (a bounded memory), counted every time.
      if (this.warned.size < limits.outbox_claim_batch * 50 && !this.warned.has(`${m.patient} ${what}`)) {
        this.warned.add(`${m.patient} ${what}`);
        this.log.warn(`outbox: ${m.patient} has no ${what}; ${m.kind} skipped (said once for this patient)`);
      }
      return void done.push({ id: m.id, state: "skipped", why: `no ${what}` });
    }
    try {
      await this.deliver(m, contact, now);
      done.push({ id: m.id, state: "sent", why: "" });
    } catch (err) {
      const why = (err as Error).message.slice(0, limits.outbox_error_chars_max);
      if (m.attempts >= limits.outbox_attempts_max || err instanceof Undeliverable) {
        this.log.warn(`outbox: ${messageKey(m)} failed for good after ${m.attempts} tries: ${why}`);
        await finish(this.db, m.id, "failed", this.now(), why);
      } else await retryAt(this.db, m.id, this.now() + backoffMs(m.attempts), why);
    }
  }

  private async deliver(m: OutboxMessage, contact: Contact, now: number): Promise<void> {
    let doctor = this.doctors.get(m.doctor);
    if (doctor === undefined) {
      doctor = await doctorName(this.db, m.doctor);
      this.doctors.set(m.doctor, doctor);
    }
    const clinic = this.parts.clinic;
    if (m.channel === "webhook") {
      if (!this.parts.webhook) throw new Error("no webhook is configured");
      return postWebhook(this.parts.webhook, webhookDocument(m, doctor, clinic, contact), messageKey(m));
    }
    if (!this.parts.mailer) throw new Error("no smtp relay is configured");
    await this.parts.mailer.send({
      to: contact.email!,
      subject: subject(m, doctor),
      text: bodyText(m, doctor, clinic),
      ics: icsOf(m, doctor, clinic, now, contact.email),
      method: m.kind === "cancelled" ? "CANCEL" : "REQUEST",
      key: messageKey(m),
    });
  }
}

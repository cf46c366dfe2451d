// What /metrics reports, and the few calls the server makes to keep it true. The hooks in the
// session and the booker are one call each; gauges are read only when scraped.
import type { BookingLabel, CancelLabel, LoginLabel, MoveLabel, SessionMetrics } from "../session/session-metrics.ts";
import { Counter, Gauge, Histogram, Registry } from "./metrics.ts";

/** Seconds; commits take about a millisecond on a good disk, a request less unless it waits on one. */
const latency_buckets_s = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Read at scrape time from the parts that know them. */
export type MetricSources = {
  freeSlots: () => number;
  openConnections: () => number;
  logLinesDropped: () => number;
  liveWatchers: () => number;
};

/** What the outbox's sender tells /metrics. */
export type OutboxSource = {
  counts: Record<"pending" | "sent" | "failed" | "skipped", number>;
  oldestPendingAgeS(): number;
  noContact: number;
  unfollowed: number;
};

export class ServerMetrics implements SessionMetrics {
  private readonly registry = new Registry();
  private readonly startedMs = Date.now();
  readonly sessions = this.registry.add(
    new Counter("hcs_sessions_total", "TCP connections accepted into a patient session."),
  );
  readonly displaced = this.registry.add(
    new Counter(
      "hcs_connections_displaced_total",
      "Connections not yet logged in that gave way to a newcomer at the connection cap.",
    ),
  );
  readonly logins = this.registry.add(
    new Counter<LoginLabel>(
      "hcs_logins_total",
      "Login attempts by outcome; throttled ones were refused without checking the password.",
      "outcome",
      ["success", "failure", "throttled"],
    ),
  );
  readonly bookings = this.registry.add(
    new Counter<BookingLabel>("hcs_bookings_total", "selection requests by outcome.", "outcome", [
      "booked",
      "notavailable",
      "invalid",
      "failed",
      "limit",
      "policy",
    ]),
  );
  readonly cancellations = this.registry.add(
    new Counter<CancelLabel>("hcs_cancellations_total", "cancel requests by outcome.", "outcome", [
      "cancelled",
      "notyours",
      "invalid",
      "failed",
      "policy",
    ]),
  );
  readonly moves = this.registry.add(
    new Counter<MoveLabel>("hcs_moves_total", "reschedule requests by outcome.", "outcome", [
      "moved",
      "notavailable",
      "notyours",
      "invalid",
      "failed",
      "policy",
    ]),
  );
  readonly memoryCorrections = this.registry.add(
    new Counter(
      "hcs_memory_corrections_total",
      "Changes a shared database answered otherwise than this server's memory had it; memory took its word.",
    ),
  );
  readonly commitSeconds = this.registry.add(
    new Histogram("hcs_commit_seconds", "Time to commit one batch of bookings to the database.", latency_buckets_s),
  );
  readonly requestSeconds = this.registry.add(
    new Histogram(
      "hcs_request_seconds",
      "Time from a request line read to its reply queued, by command.",
      latency_buckets_s,
      "command",
    ),
  );

  constructor(sources: MetricSources) {
    this.registry.add(new Gauge("hcs_free_slots", "Slots not booked.", sources.freeSlots));
    this.registry.add(new Gauge("hcs_open_connections", "Patient TCP connections open now.", sources.openConnections));
    this.registry.add(
      new Gauge("hcs_staff_live_pages", "Staff pages watching the schedule live.", sources.liveWatchers),
    );
    this.registry.add(
      new Gauge(
        "hcs_log_lines_dropped_total",
        "Log lines dropped because the log could not keep up.",
        sources.logLinesDropped,
        "counter",
      ),
    );
    this.registry.add(
      new Gauge("hcs_uptime_seconds", "Seconds since the server started.", () => (Date.now() - this.startedMs) / 1000),
    );
  }

  /** The outbox's messages by state (as of the sender's last pass) and how long the oldest due one waits. */
  addOutbox(outbox: OutboxSource): void {
    for (const state of ["pending", "sent", "failed", "skipped"] as const)
      this.registry.add(
        new Gauge(
          `hcs_outbox_${state}`,
          `Outbox messages ${state} (confirmations, reminders).`,
          () => outbox.counts[state],
        ),
      );
    this.registry.add(
      new Gauge("hcs_outbox_oldest_pending_age_seconds", "How long the oldest due message has waited.", () =>
        outbox.oldestPendingAgeS(),
      ),
    );
    this.registry.add(
      new Gauge(
        "hcs_outbox_records_unfollowed",
        "Audit records the outbox's follower has not reached: the changes among them have no messages yet.",
        () => outbox.unfollowed,
      ),
    );
    this.registry.add(
      new Gauge(
        "hcs_outbox_no_contact_total",
        "Messages skipped: the patient has no email (or phone).",
        () => outbox.noContact,
        "counter",
      ),
    );
  }

  booking(outcome: BookingLabel): void {
    this.bookings.inc(outcome);
  }

  /** One request answered: `startedMs` is performance.now() when its line was read. */
  requestDone(command: string, startedMs: number): void {
    this.requestSeconds.observe((performance.now() - startedMs) / 1000, command);
  }

  render(): string {
    return this.registry.render();
  }
}

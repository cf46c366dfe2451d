// The health center server's TCP side: accept connections, sweep idle ones, stop gracefully.
// Every socket event is guarded: bad input becomes a reply or a closed connection, never a throw;
// a broken invariant stops the process (see onFatal).
import type { Socket, SocketHandler, TCPSocketListener } from "bun";
import { AssertionError } from "../../../shared/assert.ts";
import type { User } from "../../../shared/datafiles.ts";
import * as limits from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import { formatError } from "../../../shared/protocol.ts";
import type { Authenticator } from "../login/auth.ts";
import { Booker } from "../booking/booker.ts";
import type { Committer } from "../store/sqlite/committer.ts";
import { Connection } from "./connection.ts";
import { QueueBudget } from "./queue-budget.ts";
import { tlsOnAccept } from "./tls-on-accept.ts";
import { overdue, slowestReaders, sweepIntervalMs, type Deadlines } from "./deadlines.ts";
import type { Schedule } from "../booking/schedule.ts";
import type { ServerMetrics } from "../staff/server-metrics.ts";
import { Session, type DoctorLocation, type SessionServices } from "../session/session.ts";
import * as transcript from "../session/transcript.ts";

export type { DoctorLocation } from "../session/session.ts";

export type ServerOptions = {
  host: string;
  /** 0 picks a free port; `port` tells which. */
  port: number;
  /** Listed (masked) in the log on each login. */
  users: readonly User[];
  schedule: Schedule;
  committer: Committer;
  authenticator: Authenticator;
  log: Log;
  doctors: Map<string, DoctorLocation>;
  tls?: { cert: string; key: string };
  connectionsMax: number;
  idleTimeoutMs: number;
  /** Counts for /metrics (only with --http). */
  metrics?: ServerMetrics;
  /** Bookings one patient may hold at once; 0 means no limit. */
  bookingsPerPatient: number;
  /** From accept (TLS handshake included) to a successful login. */
  loginTimeoutMs: number;
  /** From the first byte of a line to its newline. */
  lineTimeoutMs: number;
  /** Reply bytes queued across all connections; past it the slowest readers are dropped. */
  queuedBytesMax: number;
  /** A broken invariant: the role logs it and exits, since memory may no longer mirror the database. */
  onFatal: (err: unknown) => void;
};

type Sock = Socket<Connection>;

export class HealthCenter {
  private listener: TCPSocketListener<Connection> | undefined;
  private readonly conns = new Set<Sock>();
  readonly booker: Booker;
  /** Turned away past the cap: they hold a descriptor until told so, bounded by rejected_max. */
  private readonly rejected = new Set<Sock>();
  private readonly budget: QueueBudget;
  private readonly deadlines: Deadlines;
  private shedding = false;
  private readonly services: SessionServices;
  private sweepTimer: Timer | undefined;
  /** A clock read once per sweep, so a data event does not read it. */
  private nowMs = Date.now();
  private stopping = false;

  constructor(private readonly options: ServerOptions) {
    this.booker = new Booker(options.schedule, options.committer, options.onFatal, {
      bookingsPerPatient: options.bookingsPerPatient,
    });
    const metrics = options.metrics;
    if (metrics) this.booker.onCommitTimed = (seconds) => metrics.commitSeconds.observe(seconds);
    this.budget = new QueueBudget(options.queuedBytesMax, () => this.shed());
    this.deadlines = {
      idleTimeoutMs: options.idleTimeoutMs,
      loginTimeoutMs: options.loginTimeoutMs,
      lineTimeoutMs: options.lineTimeoutMs,
    };
    this.services = {
      auth: options.authenticator,
      booker: this.booker,
      schedule: options.schedule,
      doctors: options.doctors,
      log: options.log,
      metrics: options.metrics,
      // Off a terminal the list is printed once at start-up (see healthcenterserver.ts), not per login.
      userListing: options.log.plain ? transcript.userListing(options.users) : "",
      guard: (c, fn) => this.guard(c, fn),
    };
  }

  /** Users read again (SIGHUP): later logins, and the masked listing in the log, use these. */
  replaceUsers(users: readonly User[]): void {
    this.options.authenticator.replaceUsers(users);
    if (this.options.log.plain) this.services.userListing = transcript.userListing(users);
  }

  get port(): number {
    return this.listener?.port ?? 0;
  }

  /** Accepting connections (for /readyz). */
  get listening(): boolean {
    return this.listener !== undefined && !this.stopping;
  }

  get openConnections(): number {
    return this.conns.size;
  }

  start(): void {
    const self = this;
    const handlers: SocketHandler<Connection> = {
      open(s) {
        if (s.data === undefined) self.onOpen(s);
      },
      data(s, bytes) {
        // The busiest handler: guarded inline, without a closure per event.
        try {
          s.data.onData(bytes, self.stopping ? Date.now() : self.nowMs);
        } catch (err) {
          self.guard(s.data, () => {
            throw err;
          });
        }
      },
      drain(s) {
        self.guard(s.data, () => s.data.flush());
      },
      end(s) {
        self.guard(s.data, () => s.data.onPeerEnd());
      },
      close(s) {
        self.onClose(s);
      },
      error(s, err) {
        self.options.log.info(`connection error from ${s.data?.address ?? "?"}: ${err.message}`, {
          event: "connection.error",
          cause: "dropped connections",
        });
        self.onClose(s);
      },
    };
    const tls = this.options.tls;
    this.listener = Bun.listen<Connection>({
      hostname: this.options.host,
      port: this.options.port, // half-open: at the patient's FIN, answer what it already asked, then close
      allowHalfOpen: true,
      socket: tls ? tlsOnAccept(tls, handlers, (s) => this.guard(undefined, () => this.onOpen(s))) : handlers,
    });
    const tickMs = sweepIntervalMs(this.deadlines, limits.sweep_interval_ms_min, limits.sweep_interval_ms_max);
    this.sweepTimer = setInterval(() => this.guard(undefined, () => this.sweep()), tickMs);
  }

  /**
   * Stops accepting, then lets each connection finish what it already sent: a connection is
   * closed once it has been quiet for `shutdown_quiet_ms` with nothing pending, and the rest
   * are cut off after `shutdown_grace_ms`.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.listener?.stop(false);
    clearInterval(this.sweepTimer);
    const deadline = Date.now() + limits.shutdown_grace_ms;
    while (this.conns.size > 0 && Date.now() < deadline) {
      const now = Date.now();
      for (const s of this.conns) {
        if (s.data.isIdle && now - s.data.lastActiveMs >= limits.shutdown_quiet_ms) s.data.closeWhenFlushed();
      }
      await Bun.sleep(10);
    }
    await this.booker.drain();
    for (const s of [...this.conns, ...this.rejected]) s.data.terminate();
    this.conns.clear();
    this.rejected.clear();
    this.listener?.stop(true);
    this.options.log.flush();
  }

  /** Runs a handler; a bug on one connection closes that connection, a broken invariant stops the server. */
  private guard(c: Connection | undefined, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof AssertionError) return this.options.onFatal(err);
      this.options.log.error(
        `internal error on a connection from ${c?.address ?? "?"}: ${(err as Error).stack ?? err}`,
      );
      c?.terminate();
    }
  }

  private onOpen(s: Sock): void {
    const connLimits = {
      lineBytesMax: limits.line_bytes_max,
      writeQueueBytesMax: limits.write_queue_bytes_max,
      budget: this.budget,
    };
    const c = new Connection(
      s as Socket<unknown>,
      connLimits,
      (dropped, why) => {
        this.options.log.notice(transcript.dropped(dropped.address, dropped.port, why), {
          event: "connection.dropped",
          cause: "dropped connections",
          fields: { address: dropped.address, why },
        });
      },
      this.nowMs,
    );
    s.data = c;
    if (this.stopping || this.conns.size >= this.options.connectionsMax) {
      c.send(formatError(this.stopping ? "server is shutting down" : "too many connections, try again later"));
      // Told and closed gracefully, at most rejected_max at once; past that, cut off (the line may not arrive).
      if (this.rejected.size >= limits.rejected_connections_max) return c.terminate();
      this.rejected.add(s);
      c.closeWhenFlushed();
      return;
    }
    c.handler = new Session(c, this.services);
    this.conns.add(s);
    this.options.metrics?.sessions.inc();
  }

  private onClose(s: Sock): void {
    s.data?.onClosed();
    this.conns.delete(s);
    this.rejected.delete(s);
  }

  /** Over the global queue cap: drop the slowest readers until back under it. */
  private shed(): void {
    if (this.shedding) return;
    this.shedding = true;
    try {
      const excess = this.budget.totalBytes - this.budget.capBytes;
      for (const c of slowestReaders(
        [...this.conns].map((s) => s.data),
        excess,
      )) {
        c.dropFor(
          `the server holds more than ${this.budget.capBytes} bytes of unread replies; this reader is the slowest`,
        );
      }
    } finally {
      this.shedding = false;
    }
  }

  private sweep(): void {
    const now = (this.nowMs = Date.now());
    const graceMs = Math.min(this.options.idleTimeoutMs, limits.closing_grace_ms);
    for (const set of [this.conns, this.rejected]) {
      for (const s of set) {
        const c = s.data;
        if (!c.isOpen) {
          // Asked to close and taking none of our bytes for the grace period: the peer is gone or stuck
          // (or, for a deadline, never finished a TLS handshake, so cannot even be told why).
          if (now - c.lastActiveMs >= graceMs || (c.closeByMs !== undefined && now >= c.closeByMs)) {
            c.terminate();
            set.delete(s);
          }
          continue;
        }
        const why = overdue(c, now, this.deadlines);
        if (why === undefined) continue;
        const text =
          why === "idle timeout"
            ? transcript.idleClosed(c.address, c.port)
            : transcript.dropped(c.address, c.port, why);
        this.options.log.info(text, {
          event: "connection.closed",
          cause: "dropped connections",
          fields: { address: c.address, why },
        });
        c.send(formatError(why));
        c.closeWhenFlushed();
        c.lastActiveMs = now;
        c.closeByMs = now + limits.deadline_close_grace_ms;
      }
    }
  }
}

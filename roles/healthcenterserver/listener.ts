// The health center server's TCP side: accept connections, sweep idle ones, stop gracefully.
// Every socket event is guarded: bad input becomes a reply or a closed connection, never a throw;
// a broken invariant stops the process (see onFatal).
import type { Socket, TCPSocketListener } from "bun";
import { AssertionError } from "../../shared/assert.ts";
import type { User } from "../../shared/datafiles.ts";
import * as limits from "../../shared/limits.ts";
import type { Log } from "../../shared/log.ts";
import { formatError } from "../../shared/protocol.ts";
import type { Authenticator } from "./auth.ts";
import { Booker } from "./booker.ts";
import type { Committer } from "./committer.ts";
import { Connection } from "./connection.ts";
import type { Schedule } from "./schedule.ts";
import type { ServerMetrics } from "./staff/server-metrics.ts";
import { Session, type DoctorLocation, type SessionServices } from "./session.ts";
import * as transcript from "./transcript.ts";

export type { DoctorLocation } from "./session.ts";

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
  /** A broken invariant: the role logs it and exits, since memory may no longer mirror the database. */
  onFatal: (err: unknown) => void;
};

type Sock = Socket<Connection>;

export class HealthCenter {
  private listener: TCPSocketListener<Connection> | undefined;
  private readonly conns = new Set<Sock>();
  readonly booker: Booker;
  private readonly services: SessionServices;
  private sweepTimer: Timer | undefined;
  /** A clock read once per sweep, so a data event does not read it. */
  private nowMs = Date.now();
  private stopping = false;

  constructor(private readonly options: ServerOptions) {
    this.booker = new Booker(options.schedule, options.committer, options.onFatal, { bookingsPerPatient: options.bookingsPerPatient });
    const metrics = options.metrics;
    if (metrics) this.booker.onCommitTimed = (seconds) => metrics.commitSeconds.observe(seconds);
    this.services = {
      auth: options.authenticator,
      booker: this.booker,
      schedule: options.schedule,
      doctors: options.doctors,
      log: options.log,
      metrics: options.metrics,
      userListing: transcript.userListing(options.users),
      guard: (c, fn) => this.guard(c, fn),
    };
  }

  /** Users read again (SIGHUP): later logins, and the masked listing in the log, use these. */
  replaceUsers(users: readonly User[]): void {
    this.options.authenticator.replaceUsers(users);
    this.services.userListing = transcript.userListing(users);
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
    this.listener = Bun.listen<Connection>({
      hostname: this.options.host,
      port: this.options.port,
      tls: this.options.tls,
      socket: {
        open(s) {
          self.onOpen(s);
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
          // The patient sent FIN: answer what it already asked, then close our side.
          self.guard(s.data, () => s.data.closeWhenFlushed());
        },
        close(s) {
          self.onClose(s);
        },
        error(s, err) {
          self.options.log.info(`connection error from ${s.data?.address ?? "?"}: ${err.message}`);
          self.onClose(s);
        },
      },
    });
    const tickMs = Math.max(limits.sweep_interval_ms_min, Math.min(limits.sweep_interval_ms_max, Math.floor(this.options.idleTimeoutMs / 4)));
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
    for (const s of this.conns) s.data.terminate();
    this.conns.clear();
    this.listener?.stop(true);
    this.options.log.flush();
  }

  /** Runs a handler; a bug on one connection closes that connection, a broken invariant stops the server. */
  private guard(c: Connection | undefined, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof AssertionError) return this.options.onFatal(err);
      this.options.log.error(`internal error on a connection from ${c?.address ?? "?"}: ${(err as Error).stack ?? err}`);
      c?.terminate();
    }
  }

  private onOpen(s: Sock): void {
    const c = new Connection(s as Socket<unknown>, { lineBytesMax: limits.line_bytes_max, writeQueueBytesMax: limits.write_queue_bytes_max }, (dropped, why) => {
      this.options.log.notice(transcript.dropped(dropped.address, dropped.port, why));
    }, this.nowMs);
    s.data = c;
    if (this.stopping || this.conns.size >= this.options.connectionsMax) {
      c.send(formatError(this.stopping ? "server is shutting down" : "too many connections, try again later"));
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
  }

  private sweep(): void {
    this.nowMs = Date.now();
    const cutoff = this.nowMs - this.options.idleTimeoutMs;
    for (const s of this.conns) {
      const c = s.data;
      if (c.lastActiveMs > cutoff) continue;
      if (!c.isOpen) {
        // Asked to close and still here after another whole timeout: the peer is gone.
        if (c.lastActiveMs <= cutoff - this.options.idleTimeoutMs) {
          c.terminate();
          this.conns.delete(s);
        }
        continue;
      }
      this.options.log.info(transcript.idleClosed(c.address, c.port));
      c.send(formatError("idle timeout"));
      c.closeWhenFlushed();
    }
  }
}

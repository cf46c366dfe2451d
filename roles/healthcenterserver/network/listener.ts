// The health center server's TCP side: accept connections, sweep idle ones, stop gracefully.
// Every socket event is guarded: bad input becomes a reply or a closed connection, never a throw;
// a broken invariant stops the process (see guard.ts). What the lines mean is not this folder's
// business: the entry hands it a factory for each connection's line handler.
import type { Socket, SocketHandler, TCPSocketListener } from "bun";
import * as limits from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import { formatError } from "../../../shared/protocol.ts";
import { Admission } from "./admission.ts";
import { Connection, type ConnectionLimits, type LineHandler } from "./connection.ts";
import { sweepIntervalMs, type Deadlines } from "./deadlines.ts";
import type { Guard } from "./guard.ts";
import { QueueBudget } from "./queue-budget.ts";
import { ReadyQueue } from "./ready-queue.ts";
import { capSendBuffer } from "./send-buffer.ts";
import { dropped, shed, sweep } from "./sweep.ts";
import { tlsOnAccept } from "./tls-on-accept.ts";

export type ServerOptions = {
  host: string;
  /** 0 picks a free port; `port` tells which. */
  port: number;
  log: Log;
  tls?: { cert: string; key: string };
  connectionsMax: number;
  idleTimeoutMs: number;
  /** From accept (TLS handshake included) to a successful login. */
  loginTimeoutMs: number;
  /** From the first byte of a line to its newline. */
  lineTimeoutMs: number;
  /** Reply bytes queued across all connections; past it the slowest readers are dropped. */
  queuedBytesMax: number;
  /** Runs every socket event (see guard.ts). */
  guard: Guard;
  /** The handler of an accepted connection's lines (a patient session). */
  newHandler: (conn: Connection) => LineHandler;
  /** A connection that had not logged in gave way to a newcomer at the cap (for /metrics). */
  onDisplaced?: () => void;
  /** At stop, once idle connections are closed: resolves when every change already asked for is answered. */
  settle: () => Promise<void>;
};

type Sock = Socket<Connection>;

const connection_limits = { lineBytesMax: limits.line_bytes_max, writeQueueBytesMax: limits.write_queue_bytes_max };

export class HealthCenter {
  private listener: TCPSocketListener<Connection> | undefined;
  private readonly conns = new Set<Sock>();
  /** Turned away past the cap: they hold a descriptor until told so, bounded by rejected_max. */
  private readonly rejected = new Set<Sock>();
  private readonly budget: QueueBudget;
  /** Who gives way at the connection cap (see admission.ts). */
  private readonly admission: Admission<Sock>;
  /** Pipelined lines, one per connection per turn (see ready-queue.ts). */
  private readonly ready: ReadyQueue<Connection>;
  private readonly deadlines: Deadlines;
  private shedding = false;
  private sweepTimer: Timer | undefined;
  /** A clock read once per sweep, so a data event does not read it. */
  private nowMs = Date.now();
  private stopping = false;
  /** The listening socket's send-buffer cap did not take: each accepted socket is capped (a system call each). */
  private capEachAccept = true;

  /** Shared by every connection (made once, not per accept). */
  private readonly connLimits: ConnectionLimits;
  private readonly onDropped: (gone: Connection, why: string) => void;

  constructor(private readonly options: ServerOptions) {
    this.budget = new QueueBudget(options.queuedBytesMax, () => this.shed());
    const share = Math.max(1, Math.floor(options.connectionsMax * limits.pending_places_share_per_address));
    this.admission = new Admission(share, this.conns);
    this.ready = new ReadyQueue(limits.pipelined_lines_per_turn_max, (c) => options.guard(c, () => c.resume()));
    this.connLimits = { ...connection_limits, budget: this.budget, ready: this.ready };
    this.onDropped = (gone, why) =>
      options.log.notice(dropped(gone.address, gone.port, why), {
        event: "connection.dropped",
        cause: "dropped connections",
        fields: { address: gone.address, why },
      });
    this.deadlines = {
      idleTimeoutMs: options.idleTimeoutMs,
      loginTimeoutMs: options.loginTimeoutMs,
      lineTimeoutMs: options.lineTimeoutMs,
    };
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
    const guard = this.options.guard;
    const tls = this.options.tls;
    const handlers = this.socketHandlers(tls !== undefined);
    this.listener = Bun.listen<Connection>({
      hostname: this.options.host,
      port: this.options.port,
      // Plain TCP: Bun closes at the patient's FIN, which a connection reads only when nothing it asked for is
      // pending (see Connection.readOnlyWhenIdle). TLS stays half-open: the FIN is heard (`end`) and answered.
      allowHalfOpen: tls !== undefined,
      socket: tls ? tlsOnAccept(tls, handlers, (s) => guard(undefined, () => this.onOpen(s))) : handlers,
    });
    // Set once on the listening socket, the cap is inherited by every accepted one (Linux copies the
    // listener's send buffer and its lock into each); where that fails, each accepted socket gets it.
    this.capEachAccept = !capSendBuffer(this.listener, limits.socket_send_buffer_bytes);
    const tickMs = sweepIntervalMs(this.deadlines, limits.sweep_interval_ms_min, limits.sweep_interval_ms_max);
    this.sweepTimer = setInterval(() => guard(undefined, () => this.sweep()), tickMs);
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
    await this.options.settle();
    for (const s of [...this.conns, ...this.rejected]) s.data.terminate();
    this.conns.clear();
    this.rejected.clear();
    this.listener?.stop(true);
    this.options.log.flush();
  }

  private socketHandlers(halfOpen: boolean): SocketHandler<Connection> {
    const self = this;
    const guard = this.options.guard;
    const handlers: SocketHandler<Connection> = {
      open(s) {
        if (s.data === undefined) self.onOpen(s);
      },
      data(s, bytes) {
        // The busiest handler: guarded inline, without a closure per event.
        try {
          s.data.onData(bytes, self.stopping ? Date.now() : self.nowMs);
        } catch (err) {
          guard(s.data, () => {
            throw err;
          });
        }
      },
      drain(s) {
        guard(s.data, () => s.data.flush());
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
    // Without a half-open socket there is no `end` to hear: Bun closes, and `close` follows.
    if (halfOpen) handlers.end = (s) => guard(s.data, () => s.data.onPeerEnd());
    return handlers;
  }

  private onOpen(s: Sock): void {
    const c = new Connection(s as Socket<unknown>, this.connLimits, this.onDropped, this.nowMs);
    s.data = c;
    if (!this.stopping && this.conns.size >= this.options.connectionsMax) this.displaceFor(c);
    if (this.stopping || this.conns.size >= this.options.connectionsMax) {
      c.send(formatError(this.stopping ? "server is shutting down" : "too many connections, try again later"));
      // Told and closed gracefully, at most rejected_max at once; past that, cut off (the line may not arrive).
      if (this.rejected.size >= limits.rejected_connections_max) return c.terminate();
      this.rejected.add(s);
      c.closeWhenFlushed();
      return;
    }
    c.handler = this.options.newHandler(c);
    if (this.capEachAccept) capSendBuffer(s, limits.socket_send_buffer_bytes);
    this.conns.add(s);
    this.admission.admitted(s);
  }

  /** At the cap: the oldest connection not logged in (of the newcomer's address, past its share) gives way. */
  private displaceFor(newcomer: Connection): void {
    const victim = this.admission.victim(newcomer.address);
    if (!victim) return;
    const c = victim.data;
    this.admission.gone(victim);
    this.conns.delete(victim);
    this.options.log.notice(
      dropped(c.address, c.port, "not logged in; a newer connection takes its place at the cap"),
      {
        event: "connection.displaced",
        cause: "dropped connections",
        fields: { address: c.address },
      },
    );
    this.options.onDisplaced?.();
    c.send(formatError("too many connections: this one had not logged in, and a newer one took its place"));
    if (this.rejected.size >= limits.rejected_connections_max) return c.terminate();
    this.rejected.add(victim);
    c.closeWhenFlushed();
  }

  private onClose(s: Sock): void {
    s.data?.onClosed();
    this.conns.delete(s);
    this.rejected.delete(s);
    if (s.data) this.admission.gone(s);
  }

  private shed(): void {
    if (this.shedding) return;
    this.shedding = true;
    try {
      shed(this.conns, this.budget);
    } finally {
      this.shedding = false;
    }
  }

  private sweep(): void {
    this.nowMs = Date.now();
    sweep([this.conns, this.rejected], this.nowMs, this.deadlines, this.options.log);
  }
}

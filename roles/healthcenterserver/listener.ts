// The health center server: TCP sessions (authenticate, available, selection) over Bun.listen.
// Every handler is guarded: bad input becomes a reply or a closed connection, never a throw.
import type { Socket, TCPSocketListener } from "bun";
import { Authenticator, type AuthResult } from "./auth.ts";
import { Booker, type BookingOutcome } from "./booker.ts";
import type { User } from "../../shared/datafiles.ts";
import { LineFramer } from "../../shared/framing.ts";
import * as limits from "../../shared/limits.ts";
import type { Log } from "../../shared/log.ts";
import { formatError, formatSelectionReply, parseRequest, type SelectionReply } from "../../shared/protocol.ts";
import type { Schedule } from "./schedule.ts";
import type { Committer } from "./committer.ts";

export type DoctorLocation = { host?: string; port?: number };

export type ServerOptions = {
  host: string;
  port: number;
  users: User[];
  schedule: Schedule;
  committer: Committer;
  log: Log;
  doctors: Map<string, DoctorLocation>;
  authenticator?: Authenticator;
  tls?: { cert: string; key: string };
  connectionsMax?: number;
  idleTimeoutMs?: number;
  lineBytesMax?: number;
  writeQueueBytesMax?: number;
};

type Conn = {
  framer: LineFramer;
  address: string;
  port: number;
  user: string | undefined;
  errors: number;
  authFailures: number;
  /** A reply is waiting on a hash check or a commit; later lines wait in `backlog` so replies stay in order. */
  busy: boolean;
  backlog: string[];
  out: Buffer[];
  outBytes: number;
  lastActive: number;
  /** Close once everything queued is written. */
  closeAfterFlush: boolean;
  closed: boolean;
};

type Sock = Socket<Conn>;

const backlog_lines_max = 16;
/** While stopping, a connection quiet this long has nothing more in flight. */
const shutdown_quiet_ms = 100;
const masked = "********";
const encoded = {
  success: Buffer.from("success\n"),
  failure: Buffer.from("failure\n"),
  notavailable: Buffer.from("notavailable\n"),
  invalid: Buffer.from("invalid\n"),
};

export class HealthCenter {
  private listener: TCPSocketListener<Conn> | undefined;
  private readonly conns = new Set<Sock>();
  private readonly booker: Booker;
  private readonly auth: Authenticator;
  private sweepTimer: Timer | undefined;
  private now = Date.now();
  private readonly userListing: string;
  private stopping = false;
  private readonly connectionsMax: number;
  private readonly idleTimeoutMs: number;
  private readonly lineBytesMax: number;
  private readonly writeQueueBytesMax: number;

  constructor(private readonly o: ServerOptions) {
    this.booker = new Booker(o.schedule, o.committer);
    this.auth = o.authenticator ?? new Authenticator(o.users);
    this.connectionsMax = o.connectionsMax ?? limits.connections_max;
    this.idleTimeoutMs = o.idleTimeoutMs ?? limits.idle_timeout_ms;
    this.lineBytesMax = o.lineBytesMax ?? limits.line_bytes_max;
    this.writeQueueBytesMax = o.writeQueueBytesMax ?? limits.write_queue_bytes_max;
    const shown = o.users.slice(0, limits.log_users_max).map((u) => `${u.name} ${masked}`);
    if (o.users.length > shown.length) shown.push(`... and ${o.users.length - shown.length} more users`);
    this.userListing = `User database:\n${shown.join("\n")}\n`;
  }

  get port(): number {
    return this.listener?.port ?? 0;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  start(): void {
    const self = this;
    this.listener = Bun.listen<Conn>({
      hostname: this.o.host,
      port: this.o.port,
      tls: this.o.tls,
      socket: {
        open(s) {
          self.guard(s, () => self.onOpen(s));
        },
        data(s, bytes) {
          self.guard(s, () => self.onData(s, bytes));
        },
        drain(s) {
          self.guard(s, () => self.flushOut(s));
        },
        end(s) {
          self.guard(s, () => self.onPeerEnd(s));
        },
        close(s) {
          self.onClose(s);
        },
        error(s, err) {
          self.o.log.info(`connection error from ${s.data?.address ?? "?"}: ${err.message}`);
          self.onClose(s);
        },
      },
    });
    const tick = Math.max(50, Math.min(1000, Math.floor(this.idleTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), tick);
  }

  /**
   * Stops accepting, then lets each connection finish what it already sent: a connection is
   * closed once it has been quiet for `shutdown_quiet_ms` with no reply pending, and the rest
   * are cut off after `shutdown_grace_ms`.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.listener?.stop(false);
    clearInterval(this.sweepTimer);
    const deadline = Date.now() + limits.shutdown_grace_ms;
    while (this.conns.size > 0 && Date.now() < deadline) {
      this.now = Date.now();
      for (const s of this.conns) {
        const c = s.data;
        if (!c.busy && c.out.length === 0 && this.now - c.lastActive >= shutdown_quiet_ms) this.closeWhenFlushed(s);
      }
      await Bun.sleep(10);
    }
    await this.booker.drain();
    for (const s of this.conns) s.terminate();
    this.conns.clear();
    this.listener?.stop(true);
    this.o.log.flush();
  }

  private guard(s: Sock, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log.error(`internal error on a connection from ${s.data?.address ?? "?"}: ${(err as Error).stack ?? err}`);
      s.terminate();
    }
  }

  private onOpen(s: Sock): void {
    s.data = {
      framer: new LineFramer(this.lineBytesMax),
      address: plainAddress(s.remoteAddress),
      port: s.remotePort,
      user: undefined,
      errors: 0,
      authFailures: 0,
      busy: false,
      backlog: [],
      out: [],
      outBytes: 0,
      lastActive: this.now,
      closeAfterFlush: false,
      closed: false,
    };
    if (this.stopping || this.conns.size >= this.connectionsMax) {
      s.data.closed = true;
      s.end(formatError(this.stopping ? "server is shutting down" : "too many connections, try again later"));
      return;
    }
    this.conns.add(s);
  }

  private onData(s: Sock, bytes: Buffer): void {
    const c = s.data;
    if (c.closed || c.closeAfterFlush) return;
    c.lastActive = this.stopping ? Date.now() : this.now;
    const result = c.framer.push(bytes, (line) => this.onLine(s, line));
    if (result === "overflow") {
      this.send(s, formatError(`line longer than ${this.lineBytesMax} bytes`));
      this.closeWhenFlushed(s);
    }
  }

  private onLine(s: Sock, line: string): void {
    const c = s.data;
    if (c.closeAfterFlush) return;
    if (c.busy) {
      if (c.backlog.length >= backlog_lines_max) {
        this.send(s, formatError("too many requests without waiting for replies"));
        this.closeWhenFlushed(s);
        return;
      }
      c.backlog.push(line);
      return;
    }
    const request = parseRequest(line);
    switch (request.kind) {
      case "bad":
        return this.protocolError(s, request.reason);
      case "authenticate":
        if (c.user !== undefined) return this.protocolError(s, "already authenticated");
        return this.authenticate(s, request.user, request.password);
      case "available":
        if (c.user === undefined) return this.protocolError(s, "authenticate first");
        return this.available(s, c.user);
      case "selection":
        if (c.user === undefined) return this.protocolError(s, "authenticate first");
        return this.selection(s, c.user, request.index);
    }
  }

  private protocolError(s: Sock, reason: string): void {
    const c = s.data;
    c.errors += 1;
    this.send(s, formatError(reason));
    if (c.errors >= limits.connection_errors_max) this.closeWhenFlushed(s);
  }

  private authenticate(s: Sock, user: string, password: string): void {
    const log = this.o.log;
    log.info("-----");
    log.info(`Phase1: The Health Center Server has received request from a patient with username ${user} and password ${masked}`);
    log.info(this.userListing);
    const result = this.auth.check(user, password, s.data.address, Date.now());
    if (typeof result === "string") return this.authenticated(s, user, result);
    s.data.busy = true;
    result.then((r) => this.guard(s, () => {
      this.authenticated(s, user, r);
      this.resume(s);
    }));
  }

  private authenticated(s: Sock, user: string, result: AuthResult): void {
    const c = s.data;
    if (c.closed) return;
    const log = this.o.log;
    if (result === "success") {
      c.user = user;
      log.info(`Phase1: The Health Center Server sends the response: Success to patient with username ${user}`);
      this.send(s, encoded.success);
      return;
    }
    c.authFailures += 1;
    if (result === "throttled") {
      log.info(`Phase1: Too many failed logins for username ${user} or from ${c.address}; refused without checking`);
    }
    log.info(`Phase1: The Health Center Server sends the response: Failure to patient with username ${user}`);
    this.send(s, encoded.failure);
    if (c.authFailures >= limits.login_failures_per_connection_max) {
      log.info(`Phase1: Closing the connection from ${c.address}:${c.port} after ${c.authFailures} failed logins`);
      this.closeWhenFlushed(s);
    }
  }

  private available(s: Sock, user: string): void {
    const log = this.o.log;
    const c = s.data;
    log.info(`Phase2: The Health Center Server receives a request for available time slots from patients with port number: ${c.port} and IP Address: ${c.address}`);
    if (!log.quiet) log.info(this.o.schedule.logListing());
    this.send(s, this.o.schedule.availableReply());
    log.info(`Phase2: The Health Center Server sends available time slots to patients with username ${user}`);
  }

  private selection(s: Sock, user: string, index: number): void {
    const log = this.o.log;
    const c = s.data;
    const shown = index > 0 ? String(index) : "(not a slot number)";
    log.info(`Phase2: The Health Center Server receives a request for appointment ${shown} from patient with port number: ${c.port} and username ${user}`);
    c.busy = true;
    this.booker.book(index, user, (outcome) =>
      this.guard(s, () => {
        this.booked(s, user, index, outcome);
        this.resume(s);
      }),
    );
  }

  private booked(s: Sock, user: string, index: number, outcome: BookingOutcome): void {
    const log = this.o.log;
    switch (outcome.kind) {
      case "invalid":
        log.info("Receiving invalid time index, let patient re-enter");
        return this.send(s, encoded.invalid);
      case "notavailable":
        log.info(`Phase2: The Health Center Server rejects the following appointment ${index} to patient with username ${user}`);
        return this.send(s, encoded.notavailable);
      case "failed":
        log.error(outcome.reason);
        return this.send(s, formatError("booking could not be saved, try again"));
      case "booked": {
        log.info(`Phase2: The Health Center Server confirms the following appointment ${index} to patient with username ${user}`);
        const where = this.o.doctors.get(outcome.slot.doctor);
        const reply: SelectionReply = { kind: "booked", doctor: outcome.slot.doctor, port: where?.port ?? outcome.slot.port };
        if (where?.host) reply.host = where.host;
        return this.send(s, formatSelectionReply(reply));
      }
    }
  }

  /** Replays lines that arrived while a reply was pending. */
  private resume(s: Sock): void {
    const c = s.data;
    c.busy = false;
    while (!c.busy && c.backlog.length > 0 && !c.closed) this.onLine(s, c.backlog.shift()!);
    if (!c.busy && c.closeAfterFlush) this.closeWhenFlushed(s);
  }

  private send(s: Sock, data: string | Buffer): void {
    const c = s.data;
    if (c.closed) return;
    if (c.out.length === 0) {
      const written = s.write(data);
      if (written < 0) return;
      const total = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      if (written >= total) return;
      data = (typeof data === "string" ? Buffer.from(data) : data).subarray(written);
    } else if (typeof data === "string") {
      data = Buffer.from(data);
    }
    c.out.push(data);
    c.outBytes += data.length;
    if (c.outBytes > this.writeQueueBytesMax) {
      this.o.log.notice(`Dropping ${c.address}:${c.port}: more than ${this.writeQueueBytesMax} bytes of replies unread`);
      c.closed = true;
      s.terminate();
    }
  }

  private flushOut(s: Sock): void {
    const c = s.data;
    while (c.out.length > 0) {
      const head = c.out[0]!;
      const written = s.write(head);
      if (written < 0) return;
      if (written < head.length) {
        c.out[0] = head.subarray(written);
        c.outBytes -= written;
        return;
      }
      c.out.shift();
      c.outBytes -= head.length;
    }
    if (c.closeAfterFlush && !c.busy) this.finish(s);
  }

  private closeWhenFlushed(s: Sock): void {
    const c = s.data;
    c.closeAfterFlush = true;
    if (!c.busy && c.out.length === 0) this.finish(s);
  }

  private finish(s: Sock): void {
    const c = s.data;
    if (c.closed) return;
    c.closed = true;
    s.end();
  }

  private onPeerEnd(s: Sock): void {
    // The patient sent FIN: answer what it already asked, then close our side.
    this.closeWhenFlushed(s);
  }

  private onClose(s: Sock): void {
    if (s.data) s.data.closed = true;
    this.conns.delete(s);
  }

  private sweep(): void {
    this.now = Date.now();
    const cutoff = this.now - this.idleTimeoutMs;
    for (const s of this.conns) {
      const c = s.data;
      if (c.lastActive > cutoff) continue;
      if (c.closed || c.closeAfterFlush) {
        // Already asked to close and still here after a whole timeout: the peer is gone.
        if (c.lastActive <= cutoff - this.idleTimeoutMs) {
          s.terminate();
          this.conns.delete(s);
        }
        continue;
      }
      this.o.log.info(`Closing idle connection from ${c.address}:${c.port}`);
      this.send(s, formatError("idle timeout"));
      this.closeWhenFlushed(s);
    }
  }
}

function plainAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

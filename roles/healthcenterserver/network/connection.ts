// One TCP connection to the health center: its state, its line framing and its capped write queue.
// What the lines mean is the session's business; this file only moves bytes and keeps order.
import type { Socket } from "bun";
import { assert } from "../../../shared/assert.ts";
import { LineFramer, type LineVerdict } from "../../../shared/framing.ts";
import { backlog_lines_max, write_queue_replies_max } from "../../../shared/limits.ts";
import { formatError } from "../../../shared/protocol.ts";
import type { ConnectionLimits, ConnectionState, LineHandler, Queued } from "./connection-state.ts";

export type { ConnectionLimits, ConnectionState, LineHandler };

export class Connection {
  state: ConnectionState = { kind: "reading" };
  private remoteAddress: string | undefined;
  private remotePort: number | undefined;
  /** Milliseconds (the listener's clock) of the last bytes read or written. */
  lastActiveMs: number;
  /** When the connection was accepted (a TLS handshake and the login must finish within limits). */
  readonly openedMs: number;
  /** When the unfinished line now held began; undefined when none is held. */
  partialSinceMs: number | undefined;
  /** When the peer last took any of our bytes: the slowest reader is the one longest without. */
  lastWrittenMs: number;
  loggedIn = false;
  /** Set by the sweep when it closes a connection for a deadline: cut off then if still not flushed. */
  closeByMs: number | undefined;
  handler: LineHandler | undefined;
  private readonly framer: LineFramer;
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;

  constructor(
    private readonly socket: Socket<unknown>,
    private readonly limits: ConnectionLimits,
    private readonly onDropped: (c: Connection, why: string) => void,
    nowMs: number,
  ) {
    this.framer = new LineFramer(limits.lineBytesMax);
    this.lastActiveMs = this.openedMs = this.lastWrittenMs = nowMs;
  }

  /** Bytes of replies produced and not yet taken by the peer. */
  get queued(): number {
    return this.queuedBytes;
  }

  /** The peer's address, read from the socket on first use (each read is a system call). */
  get address(): string {
    return (this.remoteAddress ??= (this.socket.remoteAddress ?? "?").replace(/^::ffff:/, ""));
  }

  get port(): number {
    return (this.remotePort ??= this.socket.remotePort ?? 0);
  }

  get isOpen(): boolean {
    return this.state.kind === "reading" || this.state.kind === "waiting";
  }

  get isIdle(): boolean {
    return this.state.kind === "reading" && this.queue.length === 0;
  }

  onData(bytes: Buffer, nowMs: number): void {
    if (!this.isOpen || (this.state.kind === "waiting" && this.state.ending)) return;
    this.lastActiveMs = nowMs;
    const result = this.framer.push(bytes, (line) => this.onLine(line));
    if (this.framer.pendingBytes === 0) this.partialSinceMs = undefined;
    else this.partialSinceMs ??= nowMs;
    if (result === "overflow" && this.isOpen)
      this.endWith(formatError(`line longer than ${this.limits.lineBytesMax} bytes`));
  }

  private onLine(line: string): LineVerdict {
    switch (this.state.kind) {
      case "closing":
      case "closed":
        return "stop";
      case "waiting":
        if (this.state.ending) return "stop";
        if (this.state.backlog.length >= backlog_lines_max) {
          this.endWith(formatError("too many requests without waiting for replies"));
          return "stop";
        }
        this.state.backlog.push(line);
        return "continue";
      case "reading":
        this.handler!.onLine(line);
        return this.isOpen ? "continue" : "stop";
    }
  }

  /** The session started work whose reply comes later: hold further lines until `replyDone`. */
  awaitReply(): void {
    assert(this.state.kind === "reading", () => `a reply is awaited only while reading (state ${this.state.kind})`);
    this.state = { kind: "waiting", backlog: [] };
  }

  /** The pending reply has been sent: run the lines that waited, in order. */
  replyDone(): void {
    const state = this.state;
    if (state.kind === "closing") {
      state.replyPending = false;
      this.endIfFlushed();
      return;
    }
    if (state.kind !== "waiting") return;
    this.state = { kind: "reading" };
    // A replayed line may start another wait (the rest of the backlog moves to it) or close the connection.
    while (this.current().kind === "reading" && state.backlog.length > 0) this.handler!.onLine(state.backlog.shift()!);
    const now = this.current();
    if (now.kind === "waiting") {
      now.backlog.push(...state.backlog);
      if (state.ending) now.ending = state.ending;
    } else if (now.kind === "reading" && state.ending) this.endWith(state.ending.lastWords);
  }

  /** The peer will send no more (FIN): answer what it asked, then end the connection. */
  onPeerEnd(): void {
    if (this.state.kind === "reading") this.closeWhenFlushed();
    else if (this.state.kind === "waiting") this.state.ending ??= { lastWords: undefined };
  }

  /** Takes no more lines and ends with `error`, after the reply pending and the lines queued behind it. */
  private endWith(error: string | undefined): void {
    if (this.state.kind === "waiting") {
      this.state.ending = { lastWords: error };
      return;
    }
    if (error !== undefined) this.send(error);
    this.closeWhenFlushed();
  }

  send(data: string | Buffer): void {
    if (this.state.kind === "closed") return;
    let bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    if (this.queue.length === 0) {
      const written = this.socket.write(bytes);
      // The peer took bytes: it is reading (the slowest readers are those longest without this).
      if (written > 0) this.lastActiveMs = this.lastWrittenMs = Date.now();
      if (written < 0 || written >= bytes.length) return;
      bytes = bytes.subarray(written);
    }
    this.enqueue(bytes);
  }

  /** Queues a reply produced chunk by chunk as the socket drains, so it never sits whole in memory. */
  sendStream(chunks: Iterator<Buffer>): void {
    if (this.state.kind === "closed") return;
    this.enqueue(chunks);
    if (this.queue.length === 1) this.flush();
  }

  /** The socket can take more: write what is queued, producing streamed chunks as needed. */
  flush(): void {
    while (this.queue.length > 0 && this.state.kind !== "closed") {
      const head = this.queue[0]!;
      let bytes: Buffer;
      if (Buffer.isBuffer(head)) {
        bytes = head;
        this.queue.shift();
        this.account(-bytes.length);
      } else {
        const next = head.next();
        if (next.done) {
          this.queue.shift();
          continue;
        }
        bytes = next.value;
      }
      const written = this.socket.write(bytes);
      if (written < 0) return;
      if (written > 0) this.lastActiveMs = this.lastWrittenMs = Date.now();
      if (written < bytes.length) {
        const rest = bytes.subarray(written);
        this.queue.unshift(rest);
        this.account(rest.length);
        return;
      }
    }
    this.endIfFlushed();
  }

  /** No more lines; end the connection once the queue is written and any pending reply is sent. */
  closeWhenFlushed(): void {
    const state = this.state;
    if (state.kind === "closing" || state.kind === "closed") return;
    this.state = { kind: "closing", replyPending: state.kind === "waiting" };
    this.endIfFlushed();
  }

  /** Cuts the connection off now; nothing more is read or written. */
  terminate(): void {
    if (this.state.kind === "closed") return;
    this.state = { kind: "closed" };
    this.release();
    // Read while the socket still knows them: the drop's log line names the peer after this.
    void this.address;
    void this.port;
    this.socket.terminate();
  }

  /** The socket is gone (closed by either side). */
  onClosed(): void {
    this.state = { kind: "closed" };
    this.release();
  }

  /** Drops this connection for a reason the listener found (the global queue cap). */
  dropFor(why: string): void {
    if (this.state.kind !== "closed") this.drop(why);
  }

  /** A closed connection's queue no longer counts against the global cap. */
  private release(): void {
    this.queue.length = 0;
    this.account(-this.queuedBytes);
  }

  private account(delta: number): void {
    this.queuedBytes += delta;
    this.limits.budget?.add(delta);
  }

  /** The state, read afresh (a handler may have changed it). */
  private current(): ConnectionState {
    return this.state;
  }

  private enqueue(item: Queued): void {
    this.queue.push(item);
    if (Buffer.isBuffer(item)) this.account(item.length);
    if (this.state.kind === "closed") return;
    if (this.queuedBytes > this.limits.writeQueueBytesMax) {
      this.drop(`more than ${this.limits.writeQueueBytesMax} bytes of replies unread`);
    } else if (this.queue.length > write_queue_replies_max) {
      this.drop(`more than ${write_queue_replies_max} replies unread`);
    }
  }

  private drop(why: string): void {
    this.onDropped(this, why); // first: the peer's address is read lazily, and not after the socket is gone
    this.terminate();
  }

  private endIfFlushed(): void {
    const state = this.state;
    if (state.kind !== "closing" || state.replyPending || this.queue.length > 0) return;
    this.state = { kind: "closed" };
    this.socket.end();
  }
}

// One TCP connection to the health center: its state, its line framing and its capped write queue. What the
// lines mean is the session's business; this file moves bytes, keeps order, and reads the socket only while
// nothing the peer asked for is pending (a FIN then loses nothing: no half-open socket, see readOnlyWhenIdle).
import type { Socket } from "bun";
import { assert } from "../../../shared/assert.ts";
import { LineFramer, type LineVerdict } from "../../../shared/framing.ts";
import { backlog_lines_max } from "../../../shared/limits.ts";
import { formatError } from "../../../shared/protocol.ts";
import type { ConnectionLimits, ConnectionState, LineHandler } from "./connection-state.ts";
import { PeerSocket } from "./peer-socket.ts";
import { ReplyQueue, type ReplyEvents } from "./reply-queue.ts";

export type { ConnectionLimits, ConnectionState, LineHandler };

// The two states without fields, shared by every connection (no object made per change to them).
const reading: ConnectionState = { kind: "reading" };
const closed: ConnectionState = { kind: "closed" };

export class Connection extends PeerSocket implements ReplyEvents {
  state: ConnectionState = reading;
  loggedIn = false;
  handler: LineHandler | undefined;
  private readonly framer: LineFramer;
  private readonly out: ReplyQueue;
  /** Input behind a full backlog: not framed, and the socket paused, until the backlog has room. */
  private held: Buffer | undefined;
  /** The peer sent FIN (while input is held, it takes effect once that input is framed). */
  private peerEnded = false;
  /** A line of the current data event has run: the rest wait their turn (see ready-queue.ts). */
  private ranThisEvent = false;
  /** What the framer hands each line to: made once per connection, not per data event. */
  private readonly takeLine = (line: string): LineVerdict => this.onLine(line);

  constructor(
    socket: Socket<unknown>,
    private readonly limits: ConnectionLimits,
    private readonly onDropped: (c: Connection, why: string) => void,
    nowMs: number,
  ) {
    super(socket, nowMs);
    this.framer = new LineFramer(limits.lineBytesMax);
    this.out = new ReplyQueue(socket, limits, this);
  }

  /** More replies unread than a connection may hold (see ReplyQueue): the connection is dropped. */
  repliesOverCap(why: string): void {
    this.drop(why);
  }

  /** Bytes of replies produced and not yet taken by the socket. */
  get queued(): number {
    return this.out.queuedBytes;
  }

  get isOpen(): boolean {
    return this.state.kind === "reading" || this.state.kind === "waiting";
  }

  get isIdle(): boolean {
    return this.state.kind === "reading" && this.out.length === 0;
  }

  /** Replies wait in the process for the peer to take them: the connection is not idle, it is not reading. */
  get hasUnsent(): boolean {
    return this.out.length > 0;
  }

  onData(bytes: Buffer, nowMs: number): void {
    if (!this.isOpen || (this.state.kind === "waiting" && this.state.ending)) return;
    // Read before the pause took effect: it goes behind the input already held, in order.
    if (this.held) return void (this.held = Buffer.concat([this.held, bytes]));
    this.lastActiveMs = nowMs;
    this.ranThisEvent = false;
    const result = this.framer.push(bytes, this.takeLine);
    // The backlog is full: the rest of this input waits, and the socket is not read, until it has room.
    if (result === "held") this.held = this.framer.takeHeld() ?? Buffer.alloc(0);
    if (this.framer.pendingBytes === 0) this.partialSinceMs = undefined;
    else this.partialSinceMs ??= nowMs;
    if (result === "overflow" && this.isOpen)
      this.endWith(formatError(`line longer than ${this.limits.lineBytesMax} bytes`));
    this.readOnlyWhenIdle();
  }

  /**
   * Reads the socket only while reading with nothing queued or held: while a reply is pending, queued or lines
   * wait their turn, the peer's bytes and FIN wait in the kernel, so Bun closing a plain TCP socket at the FIN
   * loses nothing asked for (tests/half-close.test.ts). A session of one request at a time never pauses.
   */
  private readOnlyWhenIdle(): void {
    const state = this.state.kind;
    if (state !== "closed") this.readSocket(state === "reading" && this.out.length === 0 && this.held === undefined);
  }

  private onLine(line: string): LineVerdict {
    switch (this.state.kind) {
      case "closing":
      case "closed":
        return "stop";
      case "waiting":
        if (this.state.ending) return "stop";
        this.state.backlog.push(line);
        // A full backlog: the rest waits in the kernel (TCP backpressure), as an HTTP/1.1 server does.
        return this.state.backlog.length >= backlog_lines_max ? "hold" : "continue";
      case "reading":
        // One line per data event; the next waits for this one's reply to leave, and for its turn.
        if (this.out.length > 0 || this.ranThisEvent) {
          this.state = { kind: "waiting", on: "output", backlog: [line] };
          if (this.out.length === 0) this.limits.ready.add(this);
          return "continue";
        }
        this.ranThisEvent = true;
        this.handler!.onLine(line);
        return this.isOpen ? "continue" : "stop";
    }
  }

  /** The session started work whose reply comes later: hold further lines until `replyDone`. */
  awaitReply(): void {
    assert(this.state.kind === "reading", () => `a reply is awaited only while reading (state ${this.state.kind})`);
    this.state = { kind: "waiting", on: "reply", backlog: [] };
  }

  /** The pending reply has been queued: once it has left the process, run the lines that waited. */
  replyDone(): void {
    const state = this.state;
    if (state.kind === "closing") {
      state.replyPending = false;
      this.endIfFlushed();
      return;
    }
    if (state.kind !== "waiting") return;
    state.on = "output";
    this.resume();
  }

  /** Earlier replies have all left the process: run the next line that waited; the rest take later turns. */
  resume(): void {
    this.runWaiting();
    this.readOnlyWhenIdle();
  }

  private runWaiting(): void {
    const state = this.state;
    if (state.kind !== "waiting" || state.on !== "output" || this.out.length > 0) return;
    this.state = reading;
    const line = state.backlog.shift();
    if (line === undefined) {
      if (state.ending) this.endWith(state.ending.lastWords);
      return;
    }
    // The line may start another wait (the rest of the backlog moves to it) or close the connection.
    this.handler!.onLine(line);
    const now = this.state as ConnectionState; // read afresh: the handler may have changed it
    if (now.kind === "waiting") {
      now.backlog.push(...state.backlog);
      if (state.ending) now.ending = state.ending;
    } else if (now.kind === "reading" && (state.backlog.length > 0 || state.ending)) {
      this.state = { kind: "waiting", on: "output", backlog: state.backlog, ending: state.ending };
      if (this.out.length === 0) this.limits.ready.add(this);
    }
    const after = this.state as ConnectionState;
    if (this.held && !(after.kind === "waiting" && after.backlog.length >= backlog_lines_max)) this.unhold();
  }

  /** The backlog has room again: read the socket, and frame the input held since it was full. */
  private unhold(): void {
    const rest = this.held!;
    this.held = undefined;
    this.onData(rest, this.lastActiveMs);
    if (this.peerEnded && !this.held) this.onPeerEnd();
  }

  /** The peer will send no more (FIN, heard on TLS only): answer what it asked, then end the connection. */
  onPeerEnd(): void {
    this.peerEnded = true;
    if (this.held) return;
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
    if (this.state.kind !== "closed") this.out.send(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Queues a reply produced chunk by chunk as the socket drains, so it never sits whole in memory. */
  sendStream(chunks: Iterator<Buffer>): void {
    if (this.state.kind !== "closed") this.out.sendStream(chunks);
  }

  /** The socket can take more: write what is queued; once all has left, the next waiting line may run. */
  flush(): void {
    if (this.state.kind === "closed" || !this.out.flush()) return;
    this.resume();
    this.endIfFlushed();
  }

  /** No more lines; end the connection once the queue is written and any pending reply is sent. */
  closeWhenFlushed(): void {
    const state = this.state;
    if (state.kind === "closing" || state.kind === "closed") return;
    this.state = { kind: "closing", replyPending: state.kind === "waiting" && state.on === "reply" };
    this.endIfFlushed();
    if (this.state.kind === "closing") this.readOnlyWhenIdle();
  }

  /** Cuts the connection off now; nothing more is read or written. */
  terminate(): void {
    if (this.state.kind === "closed") return;
    this.state = closed;
    this.out.release();
    this.rememberPeer(); // the drop's log line names the peer after this
    this.socket.terminate();
  }

  /** The socket is gone (closed by either side). */
  onClosed(): void {
    this.state = closed;
    this.out.release();
  }

  /** Drops this connection for a reason the listener found (the global queue cap). */
  dropFor(why: string): void {
    if (this.state.kind !== "closed") this.drop(why);
  }

  private drop(why: string): void {
    this.onDropped(this, why); // first: the peer's address is read lazily, and not after the socket is gone
    this.terminate();
  }

  private endIfFlushed(): void {
    const state = this.state;
    if (state.kind !== "closing" || state.replyPending || this.out.length > 0) return;
    this.state = closed;
    this.readSocket(true); // the peer's FIN (or whatever it still sends, ignored) closes the socket after ours
    this.out.end();
  }
}

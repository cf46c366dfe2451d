// A connection's replies on their way out: written straight to the socket while nothing waits, queued
// (capped, and counted against the global budget) when the socket does not take them whole. A reply
// "has left the process" only once the socket took all of it: until then the connection runs no more lines.
import type { Socket } from "bun";
import { write_queue_replies_max } from "../../../shared/limits.ts";
import type { ConnectionLimits, Queued } from "./connection-state.ts";

/** What the queue tells its connection (the connection itself: no object or closure per connection). */
export interface ReplyEvents {
  /** The peer took some of our bytes (it is reading). */
  repliesTaken(): void;
  /** A per-connection cap was passed: the connection must be dropped. */
  repliesOverCap(why: string): void;
}

/** The queue of every connection with nothing queued yet: one shared, frozen empty array, none made per connection. */
const none: Queued[] = Object.freeze([]) as unknown as Queued[];

export class ReplyQueue {
  private items = none;
  private bytes = 0;
  private released = false;

  constructor(
    private readonly socket: Socket<unknown>,
    private readonly limits: ConnectionLimits,
    private readonly events: ReplyEvents,
  ) {}

  /** Replies (or streams) not yet taken whole by the socket. */
  get length(): number {
    return this.items.length;
  }

  /** Bytes of replies produced and not yet taken by the socket. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Ends the socket once every reply is written (the server ends first: at a plain TCP peer's FIN, Bun closes). */
  end(): void {
    this.socket.end();
  }

  send(data: Buffer): void {
    let bytes = data;
    if (this.items.length === 0) {
      const written = this.socket.write(bytes);
      if (written > 0) this.events.repliesTaken();
      if (written < 0 || written >= bytes.length) return;
      bytes = bytes.subarray(written);
    }
    this.enqueue(bytes);
  }

  /** Queues a reply produced chunk by chunk as the socket drains, so it never sits whole in memory. */
  sendStream(chunks: Iterator<Buffer>): void {
    this.enqueue(chunks);
    if (this.items.length === 1) this.flush();
  }

  /** Writes what is queued, producing streamed chunks as needed. True once everything has left. */
  flush(): boolean {
    while (this.items.length > 0 && !this.released) {
      const head = this.items[0]!;
      let bytes: Buffer;
      if (Buffer.isBuffer(head)) {
        bytes = head;
        this.items.shift();
        this.account(-bytes.length);
      } else {
        const next = head.next();
        if (next.done) {
          this.items.shift();
          continue;
        }
        bytes = next.value;
      }
      const written = this.socket.write(bytes);
      if (written < 0) return false;
      if (written > 0) this.events.repliesTaken();
      if (written < bytes.length) {
        const rest = bytes.subarray(written);
        this.items.unshift(rest);
        this.account(rest.length);
        return false;
      }
    }
    return !this.released;
  }

  /** The connection is gone: its queue no longer counts against the global cap. */
  release(): void {
    this.released = true;
    if (this.items.length === 0) return; // the usual close: nothing queued, nothing to give back
    this.items.length = 0;
    this.account(-this.bytes);
  }

  private account(delta: number): void {
    this.bytes += delta;
    this.limits.budget?.add(delta);
  }

  private enqueue(item: Queued): void {
    if (this.items === none) this.items = [];
    this.items.push(item);
    if (Buffer.isBuffer(item)) this.account(item.length);
    if (this.released) return;
    if (this.bytes > this.limits.writeQueueBytesMax) {
      this.events.repliesOverCap(`more than ${this.limits.writeQueueBytesMax} bytes of replies unread`);
    } else if (this.items.length > write_queue_replies_max) {
      this.events.repliesOverCap(`more than ${write_queue_replies_max} replies unread`);
    }
  }
}

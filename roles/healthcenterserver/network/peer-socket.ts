// The socket side of a connection: who the peer is (read from the socket once, when first needed), whether
// the socket is read, and when bytes last moved (what the sweep's deadlines read). A base class rather than
// a field, so a connection is one object, not two.
import type { Socket } from "bun";
import { plainAddress } from "../../../shared/address-key.ts";

/** Counts every time a peer takes bytes, across connections: orders them where milliseconds tie. */
let takes = 0;

export class PeerSocket {
  private remoteAddress: string | undefined;
  private remotePort: number | undefined;
  /** The socket is paused: its next bytes, and its FIN, wait in the kernel. */
  private paused = false;

  /** Milliseconds (the listener's clock) of the last bytes read or written. */
  lastActiveMs: number;
  /** When the connection was accepted (a TLS handshake and the login must finish within limits). */
  readonly openedMs: number;
  /** When the peer last took any of our bytes: the slowest reader is the one longest without. */
  lastWrittenMs: number;
  /** The same moment as an order across connections (two peers can take bytes within one millisecond). */
  lastTakenOrder: number;
  /** Set by the sweep when it closes a connection for a deadline: cut off then if still not flushed. */
  closeByMs: number | undefined;
  /** When the unfinished line now held began; undefined when none is held. */
  partialSinceMs: number | undefined;

  constructor(
    protected readonly socket: Socket<unknown>,
    nowMs: number,
  ) {
    this.lastActiveMs = this.openedMs = this.lastWrittenMs = nowMs;
    this.lastTakenOrder = ++takes;
  }

  /** The peer took some of our bytes (see ReplyQueue). */
  repliesTaken(): void {
    this.lastActiveMs = this.lastWrittenMs = Date.now();
    this.lastTakenOrder = ++takes;
  }

  /** The peer's address, read from the socket on first use (each read is a system call). */
  get address(): string {
    return (this.remoteAddress ??= plainAddress(this.socket.remoteAddress ?? "?"));
  }

  get port(): number {
    return (this.remotePort ??= this.socket.remotePort ?? 0);
  }

  /** Not reading: what the peer sends now waits in the kernel (its line's deadline waits too, see deadlines.ts). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Reads the socket, or stops reading it: a system call when that changes, none otherwise. */
  protected readSocket(read: boolean): void {
    if (read === !this.paused) return;
    this.paused = !read;
    if (!read) return this.socket.pause();
    // A line begun before the pause has its whole deadline from when it is read again: the wait was ours.
    if (this.partialSinceMs !== undefined) this.partialSinceMs = Date.now();
    this.socket.resume();
  }

  /** Remembers who the peer was while the socket still knows it (a log line may name it after a close). */
  protected rememberPeer(): void {
    void this.address;
    void this.port;
  }
}

// A line-oriented TCP (or TLS) client with timeouts: what the patient and the tests speak the protocol with.
import type { Socket } from "bun";

import { ChunkLineSplitter } from "../../shared/framing.ts";
import {
  reply_bytes_max,
  reply_line_bytes_max,
  reply_lines_max,
  reply_timeout_ms,
  reply_total_ms_max,
  tcp_connect_timeout_ms,
} from "../../shared/limits.ts";
import { NetworkError } from "../../shared/errors.ts";
import { has_unprintable, visible } from "./visible.ts";

export type TlsOptions = { ca?: string };
/** What one list reply may be: the server is not trusted to end it. */
export type ReplyCaps = { linesMax: number; bytesMax: number; totalMs: number };
export const default_reply_caps: ReplyCaps = {
  linesMax: reply_lines_max,
  bytesMax: reply_bytes_max,
  totalMs: reply_total_ms_max,
};

export class LineClient {
  private lines: string[] = [];
  /** Nothing readable came back: nothing at all, or a TLS record (0x15 alert, 0x16 handshake). */
  private answeredInPlainText: boolean | undefined;
  private waiter: (() => void) | undefined;
  private framer = new ChunkLineSplitter(reply_line_bytes_max);
  /** Bytes of lines received and not yet read. */
  private unreadBytes = 0;
  /** Why the client stopped reading: the server broke a cap. */
  private refused: string | undefined;
  /** While a list reply is read: its byte cap, and the bytes of it already taken from `lines`. */
  private reading: { bytesMax: number; taken: number } | undefined;
  closed = false;
  private socket!: Socket<undefined>;

  private constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  static async connect(
    host: string,
    port: number,
    tls?: TlsOptions,
    timeoutMs = tcp_connect_timeout_ms,
  ): Promise<LineClient> {
    const c = new LineClient(host, port);
    const where = `the health center server at ${host}:${port}`;
    let handshake: (ok: boolean, why?: string) => void = () => {};
    const shaken = new Promise<{ ok: boolean; why?: string }>(
      (resolve) => (handshake = (ok, why) => resolve({ ok, why })),
    );
    const connecting = Bun.connect({
      hostname: host,
      port,
      tls: tls ? { ca: tls.ca, rejectUnauthorized: true, serverName: host } : undefined,
      socket: {
        data: (s, bytes) => c.onData(s, bytes),
        handshake: (_s, ok, err) => handshake(ok, err?.message),
        close: () => c.gone(),
        end: () => c.gone(),
        error: () => c.gone(),
        connectError: () => c.gone(),
      },
    });
    const timeout = Bun.sleep(timeoutMs).then(() => "timeout" as const);
    let socket;
    try {
      socket = await Promise.race([connecting, timeout]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new NetworkError(`cannot reach ${where} (${code}); is it running, and is the address right?`);
    }
    if (socket === "timeout") throw new NetworkError(`cannot reach ${where}: no answer within ${timeoutMs} ms`);
    c.socket = socket as Socket<undefined>;
    if (tls) {
      // A write before the handshake completes can be lost, so wait for it.
      const result = await Promise.race([
        shaken,
        Bun.sleep(timeoutMs).then(() => ({ ok: false, why: "handshake timed out" })),
      ]);
      if (!result.ok || c.closed) {
        c.close();
        const plain = !result.why || /WRONG_VERSION_NUMBER|closed/i.test(result.why);
        throw new NetworkError(
          plain
            ? `${where} does not speak TLS (started without --tls-cert?); ` +
                "connect without --tls, or ask for a TLS server"
            : `TLS with ${where} failed: ${result.why}`,
        );
      }
    }
    return c;
  }

  get localPort(): number {
    return this.socket.localPort;
  }

  get localAddress(): string {
    return this.socket.localAddress;
  }

  private onData(s: Socket<undefined>, bytes: Uint8Array): void {
    if (this.refused !== undefined) return;
    this.answeredInPlainText ??= bytes[0] !== 0x15 && bytes[0] !== 0x16;
    const queued = this.lines.length;
    const result = this.framer.push(bytes, this.lines);
    for (let i = queued; i < this.lines.length; i++) this.unreadBytes += this.lines[i]!.length + 1;
    if (result === "overflow") this.refuse(s, `sent a line longer than ${reply_line_bytes_max} bytes`);
    // A list being read counts what is queued behind it too, so the list and its queue together stay
    // within one reply's cap (and the message names the reply, not a backlog).
    else if (this.reading && this.reading.taken + this.unreadBytes > this.reading.bytesMax)
      this.refuse(s, `sent a reply of more than ${this.reading.bytesMax} bytes`);
    // Replies come one at a time, to one request at a time: more than one reply's worth unread is not a reply.
    else if (this.unreadBytes > reply_bytes_max)
      this.refuse(s, `sent more than ${reply_bytes_max} bytes that were not read`);
    this.wake();
  }

  /** Stops reading from a server that broke a limit: the connection is closed and every later read says why. */
  private refuse(s: Socket<undefined> | undefined, why: string): NetworkError {
    this.refused ??= `the health center server at ${this.host}:${this.port} ${why}; stopped reading from it`;
    this.lines = [];
    this.unreadBytes = 0;
    this.closed = true;
    (s ?? this.socket)?.terminate();
    this.wake();
    return new NetworkError(this.refused);
  }

  private gone() {
    this.closed = true;
    this.wake();
  }

  private wake() {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  write(text: string): void {
    if (this.refused !== undefined) throw new NetworkError(this.refused);
    if (this.closed)
      throw new NetworkError(`the health center server at ${this.host}:${this.port} closed the connection`);
    this.socket.write(text);
  }

  /** The next line, control characters made visible;
   * a NetworkError if the server closes or says nothing for `timeoutMs`. */
  async line(timeoutMs = reply_timeout_ms): Promise<string> {
    const line = await this.rawLine(Date.now() + timeoutMs);
    if (line === undefined)
      throw new NetworkError(
        `no reply from the health center server at ${this.host}:${this.port} within ${timeoutMs} ms`,
      );
    // Tested first, as a list's lines are: visible's replace with a callback is a built-in compiled at first use.
    return has_unprintable.test(line) ? visible(line) : line;
  }

  /**
   * The lines of a list reply up to its empty line (or a lone `error` line), control characters made visible. A reply
   * longer than `caps` allows (lines, bytes, or time from first to last) is refused: the
   * connection is closed and a NetworkError says which cap it broke.
   */
  async list(caps: ReplyCaps = default_reply_caps): Promise<string[]> {
    this.reading = { bytesMax: caps.bytesMax, taken: 0 };
    try {
      return await this.readList(caps, this.reading);
    } finally {
      this.reading = undefined;
    }
  }

  private async readList(caps: ReplyCaps, reading: { taken: number }): Promise<string[]> {
    const deadline = Date.now() + caps.totalMs;
    const lines: string[] = [];
    let bytes = 0;
    while (true) {
      // A line already received is taken here, inline: only an empty queue waits (and reads the clock), and no
      // function runs once per line (the JIT would compile it: ~2.5 ms of a session's CPU, issue 28).
      if (this.refused !== undefined) throw new NetworkError(this.refused);
      let line = this.lines.shift();
      if (line !== undefined) this.unreadBytes -= line.length + 1;
      else line = await this.rawLine(Math.min(deadline, Date.now() + reply_timeout_ms));
      if (line === undefined) {
        if (Date.now() >= deadline)
          throw this.refuse(undefined, `took longer than ${caps.totalMs} ms to send one reply`);
        throw new NetworkError(
          `no reply from the health center server at ${this.host}:${this.port} within ${reply_timeout_ms} ms`,
        );
      }
      if (line === "") return lines;
      // The protocol answers a request it refuses with one `error` line instead of the list.
      if (lines.length === 0 && line.startsWith("error ")) return [visible(line)];
      bytes += line.length + 1;
      reading.taken = bytes;
      if (lines.length >= caps.linesMax)
        throw this.refuse(undefined, `sent a reply of more than ${caps.linesMax} lines`);
      if (bytes > caps.bytesMax) throw this.refuse(undefined, `sent a reply of more than ${caps.bytesMax} bytes`);
      lines.push(has_unprintable.test(line) ? visible(line) : line);
    }
  }

  /** The next line as received, or undefined at `deadline`. */
  private async rawLine(deadline: number): Promise<string | undefined> {
    while (true) {
      if (this.refused !== undefined) throw new NetworkError(this.refused);
      const next = this.lines.shift();
      if (next !== undefined) {
        this.unreadBytes -= next.length + 1;
        return next;
      }
      if (this.closed) {
        const hint = this.answeredInPlainText ? "" : " without answering (if it uses TLS, add --tls)";
        throw new NetworkError(`the health center server at ${this.host}:${this.port} closed the connection${hint}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Set once the server broke a cap: asking it again would only repeat that. */
  get refusedBecause(): string | undefined {
    return this.refused;
  }

  close(): void {
    if (!this.closed) this.socket.end();
    this.closed = true;
  }
}

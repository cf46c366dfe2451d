// A line-oriented TCP (or TLS) client with timeouts: what the patient and the tests speak the protocol with.
import type { Socket } from "bun";

import { LineFramer } from "../../shared/framing.ts";
import { reply_line_bytes_max, reply_timeout_ms, tcp_connect_timeout_ms } from "../../shared/limits.ts";
import { NetworkError } from "../../shared/errors.ts";

export type TlsOptions = { ca?: string };

export class LineClient {
  private lines: string[] = [];
  /** Nothing readable came back: nothing at all, or a TLS record (0x15 alert, 0x16 handshake). */
  private answeredInPlainText: boolean | undefined;
  private waiter: (() => void) | undefined;
  private framer = new LineFramer(reply_line_bytes_max);
  closed = false;
  private socket!: Socket<undefined>;

  private constructor(readonly host: string, readonly port: number) {}

  static async connect(host: string, port: number, tls?: TlsOptions, timeoutMs = tcp_connect_timeout_ms): Promise<LineClient> {
    const c = new LineClient(host, port);
    const where = `the health center server at ${host}:${port}`;
    let handshake: (ok: boolean, why?: string) => void = () => {};
    const shaken = new Promise<{ ok: boolean; why?: string }>((resolve) => (handshake = (ok, why) => resolve({ ok, why })));
    const connecting = Bun.connect({
      hostname: host,
      port,
      tls: tls ? { ca: tls.ca, rejectUnauthorized: true, serverName: host } : undefined,
      socket: {
        data: (_s, bytes) => {
          c.answeredInPlainText ??= bytes[0] !== 0x15 && bytes[0] !== 0x16;
          const result = c.framer.push(bytes, (line) => {
            c.lines.push(line);
          });
          if (result === "overflow") c.lines.push("error reply line too long");
          c.wake();
        },
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
      const result = await Promise.race([shaken, Bun.sleep(timeoutMs).then(() => ({ ok: false, why: "handshake timed out" }))]);
      if (!result.ok || c.closed) {
        c.close();
        const plain = !result.why || /WRONG_VERSION_NUMBER|closed/i.test(result.why);
        throw new NetworkError(plain
          ? `${where} does not speak TLS (started without --tls-cert?); connect without --tls, or ask for a TLS server`
          : `TLS with ${where} failed: ${result.why}`);
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
    if (this.closed) throw new NetworkError(`the health center server at ${this.host}:${this.port} closed the connection`);
    this.socket.write(text);
  }

  /** The next line; a NetworkError if the server closes or says nothing for `timeoutMs`. */
  async line(timeoutMs = reply_timeout_ms): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const next = this.lines.shift();
      if (next !== undefined) return next;
      if (this.closed) {
        const hint = this.answeredInPlainText ? "" : " without answering (if it uses TLS, add --tls)";
        throw new NetworkError(`the health center server at ${this.host}:${this.port} closed the connection${hint}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new NetworkError(`no reply from the health center server at ${this.host}:${this.port} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    if (!this.closed) this.socket.end();
    this.closed = true;
  }
}

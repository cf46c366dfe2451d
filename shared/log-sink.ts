// Where log text goes: one file descriptor, written without ever blocking the event loop for long
// and without ever throwing into it. A pipe or socket is made non-blocking; when it is full the text
// waits (up to log_buffer_bytes_max) and is retried later; when the disk is full or the reader is
// gone, lines are dropped and counted, and the next line that gets through says how many.
import { writeSync } from "node:fs";
import { log_buffer_bytes_max, log_error_retry_ms, log_full_retry_ms } from "./limits.ts";
import { makeNonBlocking } from "./libc.ts";

export type SinkCounters = { linesWritten: number; linesDropped: number; writeErrors: number };

export class LogSink {
  readonly counters: SinkCounters = { linesWritten: 0, linesDropped: 0, writeErrors: 0 };
  /** Text not yet handed to the kernel; `stalled` is the unwritten rest of a partial write. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingLines = 0;
  private stalled: Buffer | undefined;
  private stalledLines = 0;
  private timer: Timer | undefined;
  private retryAtMs = 0;
  /** Dropped since the last report, and why the first of them was dropped. */
  private unreported = 0;
  private unreportedWhy = "";
  private gone = false;

  /** Called when lines start being dropped (once per episode, until a report gets through). */
  onTrouble: ((why: string) => void) | undefined;

  constructor(
    private readonly fd: number,
    private readonly flushDelayMs: number,
    private readonly flushBytes: number,
  ) {
    makeNonBlocking(fd);
  }

  /** Queues whole lines (`lines` of them, ending in "\n"); never blocks, never throws. */
  write(text: string, lines: number): void {
    if (this.gone || this.pendingBytes + text.length > log_buffer_bytes_max)
      return this.drop(lines, this.gone ? "the reader is gone" : "the log could not keep up");
    this.pending.push(text);
    this.pendingBytes += text.length;
    this.pendingLines += lines;
    if (this.pendingBytes >= this.flushBytes && Date.now() >= this.retryAtMs) this.flush();
    else this.schedule(this.flushDelayMs);
  }

  /** Writes what the descriptor takes now; the rest waits for a timer. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      if (this.stalled && !this.writeBuffer(this.stalled, this.stalledLines, true)) return;
      this.stalled = undefined;
      if (this.pending.length === 0) return;
      const report = this.unreported > 0 ? `log: ${this.unreported} lines were dropped (${this.unreportedWhy})\n` : "";
      const reported = this.unreported;
      const text = report + this.pending.join("");
      const lines = this.pendingLines;
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingLines = 0;
      if (this.writeBuffer(Buffer.from(text), lines, false) && reported > 0) this.unreported -= reported;
    } catch {
      // Nothing here may throw into the event loop; a failure is already counted.
    }
  }

  get bufferedBytes(): number {
    return this.pendingBytes + (this.stalled?.length ?? 0);
  }

  /** True when all of `bytes` was written; otherwise the rest is stalled or dropped and a retry is set. */
  private writeBuffer(bytes: Buffer, lines: number, wasStalled: boolean): boolean {
    let rest = bytes;
    while (rest.length > 0) {
      let n: number;
      try {
        n = writeSync(this.fd, rest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        if (code === "EAGAIN" || code === "EWOULDBLOCK") return this.stall(rest, lines, bytes.length);
        this.counters.writeErrors++;
        if (code === "EPIPE" || code === "EBADF") this.gone = true;
        this.drop(linesIn(rest, lines, bytes.length), `${code} writing the log`);
        this.stalled = undefined;
        this.retryAtMs = Date.now() + log_error_retry_ms;
        this.schedule(log_error_retry_ms);
        return false;
      }
      if (n <= 0) return this.stall(rest, lines, bytes.length);
      rest = rest.subarray(n);
    }
    this.counters.linesWritten += lines;
    if (wasStalled) this.stalledLines = 0;
    return true;
  }

  private stall(rest: Buffer, lines: number, total: number): false {
    const left = linesIn(rest, lines, total);
    this.counters.linesWritten += lines - left;
    this.stalled = rest;
    this.stalledLines = left;
    this.retryAtMs = Date.now() + log_full_retry_ms;
    this.schedule(log_full_retry_ms);
    return false;
  }

  private drop(lines: number, why: string): void {
    if (this.unreported === 0) {
      this.unreportedWhy = why;
      this.onTrouble?.(why);
    }
    this.unreported += lines;
    this.counters.linesDropped += lines;
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(ms, this.retryAtMs - Date.now()));
    this.timer.unref?.();
  }
}

/** Lines still to write in `rest` (the tail of a buffer of `total` bytes holding `lines` lines). */
function linesIn(rest: Buffer, lines: number, total: number): number {
  if (rest.length === total) return lines;
  let n = 0;
  for (let i = rest.indexOf(10); i !== -1; i = rest.indexOf(10, i + 1)) n++;
  return Math.min(n, lines);
}

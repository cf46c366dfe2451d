// Buffered log output: lines collect in memory and go out together every log_flush_interval_ms (or
// at log_flush_bytes), so a busy server makes a few large writes instead of one small write per line.
// The cost: a crash can lose the last few milliseconds of log lines (never a booking).
import { writeSync } from "node:fs";
import pc from "picocolors";
import { log_flush_bytes, log_flush_interval_ms } from "./limits.ts";

export class Log {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;

  constructor(readonly quiet = false, private readonly fd = 1) {}

  /** A phase line: what the seed's users compare against. Dropped with --quiet. */
  info(text: string): void {
    if (!this.quiet) this.notice(text);
  }

  /** Start-up and shutdown lines: shown even with --quiet. */
  notice(text: string): void {
    this.pending.push(text, "\n");
    this.pendingBytes += text.length + 1;
    if (this.pendingBytes >= log_flush_bytes) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), log_flush_interval_ms);
    }
  }

  /** Warnings always show, on stderr. */
  warn(text: string): void {
    this.flush();
    writeAll(2, `${pc.yellow("warning:")} ${text}\n`);
  }

  error(text: string): void {
    this.flush();
    writeAll(2, `${pc.red("error:")} ${text}\n`);
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    writeAll(this.fd, text);
  }
}

/** Synchronous and complete, retrying when a non-blocking pipe is full. */
export function writeAll(fd: number, text: string): void {
  let bytes = Buffer.from(text);
  while (bytes.length > 0) {
    try {
      const n = writeSync(fd, bytes);
      bytes = bytes.subarray(n);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Bun.sleepSync(1);
        continue;
      }
      if (code === "EPIPE") return;
      throw err;
    }
  }
}

// The roles' log. Lines collect in a LogSink (see log-sink.ts: never blocks, never throws, bounded)
// and go out every log_flush_interval_ms or at log_flush_bytes. On a terminal the seed's wording is
// printed as it is; off one each line gets a timestamp and a level ("text"), or is one JSON object
// ("json"). Lines of a repeated cause (failed logins, ignored datagrams, dropped connections) are
// capped per second and the rest summarised. Bookings are in the database; the log is not the record.
import { isatty } from "node:tty";
import * as pc from "./colors.ts";
import { log_cause_lines_per_second_max, log_flush_bytes, log_flush_interval_ms } from "./limits.ts";
import { LogSink } from "./log-sink.ts";

export type LogFormat = "plain" | "text" | "json";
export type Level = "info" | "audit" | "notice" | "warn" | "error";
export type Fields = Record<string, string | number | boolean | undefined>;
/** What a line is about: `event` names it for JSON; lines sharing a `cause` are rate-capped together. */
export type Meta = { event?: string; cause?: string; fields?: Fields };
/** Per-request lines (info, error) must name their cause, so each is capped: a new line cannot forget it. */
export type CausedMeta = Meta & { cause: string };
/**
 * A line, or what makes it: a function is called only if the line is kept (not over its cause's cap),
 * so a line that reads the peer's address (a system call) or joins long text costs nothing when capped.
 */
export type Text = string | (() => string);
export type LogOptions = { quiet?: boolean; format?: string; fd?: number; errFd?: number };

type CauseWindow = { second: number; shown: number; suppressed: number };

export class Log {
  readonly quiet: boolean;
  readonly format: LogFormat;
  /** Lines held back by the per-cause cap (and reported in summaries). */
  linesSuppressed = 0;
  private readonly out: LogSink;
  private readonly err: LogSink;
  private readonly causes = new Map<string, CauseWindow>();
  private summaryTimer: Timer | undefined;
  private stampMs = -1;
  private stamp = "";

  constructor(options: LogOptions | boolean = {}) {
    const o = typeof options === "boolean" ? { quiet: options } : options;
    const fd = o.fd ?? 1;
    this.quiet = o.quiet ?? false;
    this.format =
      o.format === "json" || o.format === "text" || o.format === "plain" ? o.format : isatty(fd) ? "plain" : "text";
    this.out = new LogSink(fd, log_flush_interval_ms, log_flush_bytes);
    this.err = new LogSink(o.errFd ?? 2, 0, 0);
    // Said where it can still be read (stderr is often a journal when stdout is a file).
    this.out.onTrouble = (why) =>
      this.warn(`log: standard output cannot be written (${why}); its lines are dropped and counted until it can`);
  }

  /** True where the seed's wording is printed as it is (a terminal, or --log-format plain). */
  get plain(): boolean {
    return this.format === "plain";
  }

  /** Whether lines carry fields (JSON): callers build them only then. */
  get json(): boolean {
    return this.format === "json";
  }

  /** Lines dropped because the log could not be written or kept up: what a metric reads. */
  get droppedLines(): number {
    return this.out.counters.linesDropped + this.err.counters.linesDropped;
  }

  get counters(): { linesWritten: number; linesDropped: number; linesSuppressed: number; writeErrors: number } {
    const o = this.out.counters;
    const e = this.err.counters;
    return {
      linesWritten: o.linesWritten + e.linesWritten,
      linesDropped: this.droppedLines,
      linesSuppressed: this.linesSuppressed,
      writeErrors: o.writeErrors + e.writeErrors,
    };
  }

  /** A per-request line (the seed's phases). Dropped with --quiet. */
  info(text: Text, meta: CausedMeta): void {
    if (!this.quiet) this.emit("info", text, meta);
  }

  /**
   * True when an info line of `cause` would not be kept: --quiet, or its cause past this second's cap (counted
   * for the summary, as info would). A caller with work to do before info (the doctor, a datagram at a time)
   * asks first; false leaves the decision to info.
   */
  dropsInfo(cause: string): boolean {
    if (this.quiet) return true;
    const w = this.causes.get(cause);
    if (w === undefined || w.shown < log_cause_lines_per_second_max) return false;
    w.suppressed++;
    this.linesSuppressed++;
    return true;
  }

  /** The audit trail: a booking, a cancellation, a move, a refused login. Kept with --quiet. */
  audit(text: Text, meta?: Meta): void {
    this.emit("audit", text, meta);
  }

  /** Start-up and shutdown lines: shown even with --quiet. */
  notice(text: Text, meta?: Meta): void {
    this.emit("notice", text, meta);
  }

  /** Warnings always show, on stderr. */
  warn(text: string, meta?: Meta): void {
    this.emit("warn", text, meta);
  }

  error(text: string, meta: CausedMeta): void {
    this.emit("error", text, meta);
  }

  flush(): void {
    this.out.flush();
    this.err.flush();
  }

  private emit(level: Level, text: Text, meta: Meta | undefined): void {
    if (meta?.cause !== undefined && !this.admit(meta.cause)) return;
    const now = Date.now();
    const toErr = level === "warn" || level === "error";
    if (toErr) this.out.flush(); // keeps stdout and stderr in order on a shared terminal
    const formatted = this.formatLine(level, typeof text === "string" ? text : text(), meta, now);
    (toErr ? this.err : this.out).write(formatted, 1);
  }

  private formatLine(level: Level, text: string, meta: Meta | undefined, now: number): string {
    if (this.format === "json") {
      return (
        JSON.stringify({
          ts: this.timestamp(now),
          level,
          event: meta?.event ?? "message",
          msg: text,
          fields: meta?.fields ?? {},
        }) + "\n"
      );
    }
    if (this.format === "text") return `${this.timestamp(now)} ${level} ${text}\n`;
    if (level === "warn") return `${pc.yellow("warning:")} ${text}\n`;
    if (level === "error") return `${pc.red("error:")} ${text}\n`;
    return `${text}\n`;
  }

  /** ISO 8601 in UTC, made once per millisecond however many lines share it. */
  private timestamp(now: number): string {
    if (now !== this.stampMs) {
      this.stampMs = now;
      this.stamp = new Date(now).toISOString();
    }
    return this.stamp;
  }

  /**
   * Within the cause's per-second cap? Past it, counts the line for the summary. A full window reads no clock
   * (under a flood nearly every line is past its cap): the timer set when it filled reopens it after its second.
   */
  private admit(cause: string): boolean {
    let w = this.causes.get(cause);
    if (w !== undefined && w.shown >= log_cause_lines_per_second_max) {
      w.suppressed++;
      this.linesSuppressed++;
      return false;
    }
    const second = Math.floor(Date.now() / 1000);
    if (!w) this.causes.set(cause, (w = { second, shown: 0, suppressed: 0 }));
    if (w.second !== second) {
      this.summarise(cause, w);
      w.second = second;
      w.shown = 0;
    }
    w.shown++;
    if (w.shown >= log_cause_lines_per_second_max) this.summariseAtNextSecond();
    return true;
  }

  private summariseAtNextSecond(): void {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => this.summariseAll(), 1000 - (Date.now() % 1000) + 1);
    this.summaryTimer.unref?.();
  }

  /** Past each window's second: its summary, and the window closed (the next line opens a new one). */
  private summariseAll(): void {
    this.summaryTimer = undefined;
    const second = Math.floor(Date.now() / 1000);
    for (const [cause, w] of this.causes) {
      if (w.second !== second) {
        this.summarise(cause, w);
        this.causes.delete(cause);
      } else if (w.shown >= log_cause_lines_per_second_max) this.summariseAtNextSecond(); // woken early: again
    }
  }

  private summarise(cause: string, w: CauseWindow): void {
    if (w.suppressed === 0) return;
    const fields = { cause, count: w.suppressed };
    this.emit("notice", `log: ${w.suppressed} more lines about ${cause} in that second were not logged`, {
      event: "log.suppressed",
      fields,
    });
    w.suppressed = 0;
  }
}

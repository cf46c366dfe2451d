// Line framing over a byte stream: TCP splits and coalesces, so lines are cut here.
import { line_bytes_max } from "./limits.ts";

export type FrameEvent = "ok" | "overflow" | "stopped" | "held";
/**
 * What a line's handler tells the framer: keep cutting lines, stop (the rest of the chunk is dropped), or
 * hold (the rest of the chunk is kept, uncut, for `takeHeld`: the caller takes no more lines for now).
 */
export type LineVerdict = "continue" | "stop" | "hold";

/**
 * Cuts `\n`-terminated lines (a trailing `\r` is dropped) out of chunks as they come.
 * Holds at most `maxBytes` of an unfinished line; beyond that it reports overflow and
 * the caller closes the connection.
 */
export class LineFramer {
  // Allocated on the first split line only: most connections never need it.
  private partial: Buffer | undefined;
  private partialLength = 0;
  private held: Buffer | undefined;

  constructor(private readonly maxBytes: number = line_bytes_max) {}

  /**
   * Calls onLine for each complete line; stops early on a line too long ("overflow") or when
   * onLine says "stop" ("stopped": the rest of the chunk is dropped).
   */
  push(chunk: Uint8Array, onLine: (line: string) => LineVerdict | void): FrameEvent {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(10, start);
      if (newline === -1) {
        const rest = bytes.length - start;
        if (this.partialLength + rest > this.maxBytes + 1) return this.overflow();
        this.partial ??= Buffer.allocUnsafe(this.maxBytes + 1);
        bytes.copy(this.partial, this.partialLength, start);
        this.partialLength += rest;
        return "ok";
      }
      let line: string;
      if (this.partialLength === 0) {
        if (newline - start > this.maxBytes + 1) return this.overflow();
        line = decodeLine(bytes, start, newline);
      } else {
        const piece = newline - start;
        if (this.partialLength + piece > this.maxBytes + 1) return this.overflow();
        const partial = this.partial!;
        bytes.copy(partial, this.partialLength, start, newline);
        line = decodeLine(partial, 0, this.partialLength + piece);
        this.partialLength = 0;
      }
      if (line.length > this.maxBytes) return this.overflow();
      const verdict = onLine(line);
      if (verdict === "stop") {
        this.partialLength = 0;
        return "stopped";
      }
      if (verdict === "hold") {
        // Copied: the runtime may reuse the chunk's memory for the next read.
        if (newline + 1 < bytes.length) this.held = Buffer.from(bytes.subarray(newline + 1));
        return "held";
      }
      start = newline + 1;
    }
    return "ok";
  }

  /** The rest of the chunk after a line whose handler said "hold" (undefined if none); push it again later. */
  takeHeld(): Buffer | undefined {
    const held = this.held;
    this.held = undefined;
    return held;
  }

  get pendingBytes(): number {
    return this.partialLength;
  }

  private overflow(): FrameEvent {
    this.partialLength = 0;
    return "overflow";
  }
}

/**
 * The same cut for a client that takes every complete line of a chunk at once (the patient): one decode
 * and one split per chunk, so a reply of hundreds of lines runs no JavaScript function per line. A
 * function run that often is compiled by the runtime's JIT, whose start cost ~2.5 ms of a piped patient
 * session's 10 (issue 28). Same text (latin1), same caps and same `\r\n` as LineFramer.
 */
export class ChunkLineSplitter {
  /** The unfinished line at the end of the last chunk. */
  private partial = "";

  constructor(private readonly maxBytes: number = line_bytes_max) {}

  /** Appends each complete line of `chunk` to `out`; "overflow" at a line longer than the cap (none after it). */
  push(chunk: Uint8Array, out: string[]): "ok" | "overflow" {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const parts = (this.partial + bytes.toString("latin1")).split("\n");
    this.partial = parts.pop()!;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const line = part.endsWith("\r") ? part.slice(0, -1) : part;
      if (line.length > this.maxBytes) return this.overflow();
      out.push(line);
    }
    return this.partial.length > this.maxBytes + 1 ? this.overflow() : "ok";
  }

  private overflow(): "overflow" {
    this.partial = "";
    return "overflow";
  }
}

function decodeLine(bytes: Buffer, start: number, end: number): string {
  if (end > start && bytes[end - 1] === 13) end -= 1;
  return bytes.toString("latin1", start, end);
}

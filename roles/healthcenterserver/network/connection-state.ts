// The types a connection is described by: its states, what it hands lines to, and its limits.
import type { QueueBudget } from "./queue-budget.ts";

/**
 * reading: lines go to the session as they come.
 * waiting: lines queue in `backlog`, so replies stay in order and no line runs before the peer can hear it:
 *   `on` "reply": a reply is pending (a hash check or a commit); "output": earlier replies have not all left the
 *   process yet (the socket did not take them whole), as an HTTP/1.1 server treats pipelined requests.
 *   `ending`: the peer sent FIN, or broke a limit: no more lines; once the backlog is answered, the
 *   connection ends (with `lastWords`, an error line, after those answers).
 * closing: no more lines are read; the connection ends once the queue is written and no reply is pending.
 * closed: terminated, or the peer is gone; everything is ignored.
 */
export type ConnectionState =
  | { kind: "reading" }
  | { kind: "waiting"; on: "reply" | "output"; backlog: string[]; ending?: { lastWords: string | undefined } }
  | { kind: "closing"; replyPending: boolean }
  | { kind: "closed" };

/** What a connection hands its lines to. */
export interface LineHandler {
  onLine(line: string): void;
}

export type ConnectionLimits = {
  lineBytesMax: number;
  writeQueueBytesMax: number;
  budget?: QueueBudget;
  /** Where a connection with lines waiting for their turn is put (see ready-queue.ts). */
  ready: { add(c: { resume(): void }): void };
};

/** A queued reply: bytes, or a stream of chunks produced as the socket drains. */
export type Queued = Buffer | Iterator<Buffer>;

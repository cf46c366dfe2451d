// The listener's periodic duties over its connections: close the ones past a deadline (and cut off
// those that, asked to close, take none of our bytes), and shed the slowest readers when the replies
// queued across all connections pass the global cap.
import * as limits from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import { formatError } from "../../../shared/protocol.ts";
import type { Connection } from "./connection.ts";
import { overdue, slowestReaders, type Deadlines } from "./deadlines.ts";
import type { QueueBudget } from "./queue-budget.ts";

/** Holds a connection in its socket's `data`; the sweep removes the ones it terminates from their set. */
type Holder = { data: Connection };

/** One pass over `sets` at `now`: deadlines enforced, stuck closing connections cut off. */
export function sweep(sets: Set<Holder>[], now: number, deadlines: Deadlines, log: Log): void {
  const graceMs = Math.min(deadlines.idleTimeoutMs, limits.closing_grace_ms);
  for (const set of sets) {
    for (const s of set) {
      const c = s.data;
      if (!c.isOpen) {
        // Asked to close and taking none of our bytes for the grace period: the peer is gone or stuck
        // (or, for a deadline, never finished a TLS handshake, so cannot even be told why).
        if (now - c.lastActiveMs >= graceMs || (c.closeByMs !== undefined && now >= c.closeByMs)) {
          c.terminate();
          set.delete(s);
        }
        continue;
      }
      const why = overdue(c, now, deadlines);
      if (why !== undefined) closeOverdue(c, why, now, log);
    }
  }
}

function closeOverdue(c: Connection, why: string, now: number, log: Log): void {
  const text = why === "idle timeout" ? idleClosed(c.address, c.port) : dropped(c.address, c.port, why);
  log.info(text, { event: "connection.closed", cause: "dropped connections", fields: { address: c.address, why } });
  c.send(formatError(why));
  c.closeWhenFlushed();
  c.lastActiveMs = now;
  c.closeByMs = now + limits.deadline_close_grace_ms;
}

/** Over the global queue cap: drop the slowest readers until back under it. */
export function shed(conns: Iterable<Holder>, budget: QueueBudget): void {
  const excess = budget.totalBytes - budget.capBytes;
  const all = [...conns].map((s) => s.data);
  for (const c of slowestReaders(all, excess)) {
    c.dropFor(`the server holds more than ${budget.capBytes} bytes of unread replies; this reader is the slowest`);
  }
}

/** The log lines of a connection the server closes (worded as the seed's transcripts). */
export function idleClosed(address: string, port: number): string {
  return `Closing idle connection from ${address}:${port}`;
}

export function dropped(address: string, port: number, why: string): string {
  return `Dropping ${address}:${port}: ${why}`;
}

// What the sweep holds each connection to, besides idleness: a slow client (slowloris) cannot keep
// a place by sending a byte now and then. Pure: the listener decides what to do with the answer.
import type { Connection } from "./connection.ts";

export type Deadlines = { idleTimeoutMs: number; loginTimeoutMs: number; lineTimeoutMs: number };

/** Why an open connection must go now, or undefined. The reason is also the `error` reply. */
export function overdue(c: Connection, nowMs: number, d: Deadlines): string | undefined {
  if (!c.loggedIn && nowMs - c.openedMs >= d.loginTimeoutMs) return "login timeout";
  // Not while paused: the rest of the line may be waiting in the kernel for us to read it.
  if (c.partialSinceMs !== undefined && !c.isPaused && nowMs - c.partialSinceMs >= d.lineTimeoutMs)
    return "line timeout";
  // Unsent replies: not idle, but a peer that takes none of them for as long is not reading.
  if (c.hasUnsent) return nowMs - c.lastWrittenMs >= d.idleTimeoutMs ? "not reading replies" : undefined;
  if (nowMs - c.lastActiveMs >= d.idleTimeoutMs) return "idle timeout";
  return undefined;
}

/** How often the sweep runs: a quarter of the shortest deadline, within the given bounds. */
export function sweepIntervalMs(d: Deadlines, minMs: number, maxMs: number): number {
  const shortest = Math.min(d.idleTimeoutMs, d.loginTimeoutMs, d.lineTimeoutMs);
  return Math.max(minMs, Math.min(maxMs, Math.floor(shortest / 4)));
}

/** The connections to drop, slowest reader first (longest without taking a byte), until `excess` bytes are freed. */
export function slowestReaders(conns: Iterable<Connection>, excess: number): Connection[] {
  const queued = [...conns].filter((c) => c.queued > 0).sort((a, b) => a.lastTakenOrder - b.lastTakenOrder);
  const chosen: Connection[] = [];
  let freed = 0;
  for (const c of queued) {
    if (freed >= excess) break;
    chosen.push(c);
    freed += c.queued;
  }
  return chosen;
}

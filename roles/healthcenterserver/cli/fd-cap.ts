// The connection cap the process can really keep: each patient holds a file descriptor, and a
// process out of descriptors cannot even accept a connection to say so (it would spin on accept).
import { fd_reserve, rejected_connections_max } from "../../../shared/limits.ts";
import { raiseFileLimit } from "../../../shared/libc.ts";

export type ConnectionCap = { connectionsMax: number; fileLimit: number | undefined; lowered: boolean };

/**
 * Raises the soft descriptor limit to the hard one, then keeps `wanted` below what is left once `otherSockets`
 * (the staff port's connections, held to their own cap) have theirs: one budget for every socket.
 */
export function connectionCap(wanted: number, otherSockets = 0): ConnectionCap {
  const fileLimit = raiseFileLimit();
  if (fileLimit === undefined) return { connectionsMax: wanted, fileLimit, lowered: false };
  const room = Math.max(1, fileLimit - fd_reserve - rejected_connections_max - otherSockets);
  return { connectionsMax: Math.min(wanted, room), fileLimit, lowered: room < wanted };
}

/** For the start-up line: "at most N connections for file descriptor limit M". */
export function describeCap(cap: ConnectionCap): string {
  const limit =
    cap.fileLimit === undefined ? "an unknown file descriptor limit" : `file descriptor limit ${cap.fileLimit}`;
  const lowered = cap.lowered ? " (lowered from --max-connections)" : "";
  return `at most ${cap.connectionsMax} connections for ${limit}${lowered}`;
}

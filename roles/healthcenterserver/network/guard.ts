// How every socket event, and every callback that answers one later (a hash check, a commit), runs:
// a bug on one connection closes that connection; a broken invariant stops the server.
import { AssertionError } from "../../../shared/assert.ts";
import type { Log } from "../../../shared/log.ts";
import type { Connection } from "./connection.ts";

export type Guard = (c: Connection | undefined, fn: () => void) => void;

/** `onFatal` hears a broken invariant: the role logs it and exits, since memory may no longer mirror the database. */
export function connectionGuard(log: Log, onFatal: (err: unknown) => void): Guard {
  return (c, fn) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof AssertionError) return onFatal(err);
      log.error(`internal error on a connection from ${c?.address ?? "?"}: ${(err as Error).stack ?? err}`, {
        cause: "internal errors",
      });
      c?.terminate();
    }
  };
}

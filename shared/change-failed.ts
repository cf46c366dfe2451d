// The replies to a change that failed (docs/PROTOCOL.md): one the database did not take (`try again`),
// or one it may have taken (`see mine`: the patient's list tells whether it was stored).
import { formatError } from "./protocol.ts";

export const formatChangeFailed = (what: "booking" | "cancellation" | "move", unknown: boolean) =>
  formatError(unknown ? `${what} outcome unknown, see mine` : `${what} could not be saved, try again`);

/** The reply to a change whose outcome the server does not know (yet). */
export const isOutcomeUnknown = (line: string) =>
  /^error (booking|cancellation|move) outcome unknown, see mine$/.test(line);

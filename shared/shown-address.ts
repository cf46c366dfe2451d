// The address a server or doctor tells users to reach it at (its listening line). Apart from cli.ts so a
// patient, which never listens, does not load node:os at start-up (issue 28).
import { networkInterfaces } from "node:os";

/** The address a user should see: the bound one, or this machine's first outside address for a wildcard. */
export function shownAddress(bound: string): string {
  if (bound !== "0.0.0.0" && bound !== "::") return bound;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

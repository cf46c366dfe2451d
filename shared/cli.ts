// What the entry files share: turning failures into messages and exit codes (the roles do the exiting).
import { networkInterfaces } from "node:os";
import { DataError } from "./datafiles.ts";
import { UsageError } from "./flags.ts";

export const exit_code = { done: 0, refused: 1, usage: 2, network: 3 } as const;

export class NetworkError extends Error {}

export function describeFailure(program: string, err: unknown): { code: number; message: string } {
  if (err instanceof UsageError) return { code: exit_code.usage, message: `${err.message}\nRun \`${program} --help\` for usage.` };
  if (err instanceof DataError) return { code: exit_code.usage, message: `bad data file: ${err.message}` };
  if (err instanceof NetworkError) return { code: exit_code.network, message: err.message };
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "EADDRINUSE") return { code: exit_code.network, message: `the port is already in use (${(err as Error).message})` };
  if (code === "EACCES" || code === "EADDRNOTAVAIL") return { code: exit_code.network, message: `cannot listen there: ${(err as Error).message}` };
  return { code: 1, message: (err as Error)?.stack ?? String(err) };
}

/** The address a user should see: the bound one, or this machine's first outside address for a wildcard. */
export function shownAddress(bound: string): string {
  if (bound !== "0.0.0.0" && bound !== "::") return bound;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

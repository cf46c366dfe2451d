// What the entry files share: turning failures into messages and exit codes (the roles do the exiting).
import { networkInterfaces } from "node:os";
import pc from "picocolors";
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

/** Runs a role's main and turns any failure into its message on stderr and an exit code. */
export async function runMain(program: string, main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (err) {
    const { code, message } = describeFailure(program, err);
    console.error(`${pc.red("error:")} ${message}`);
    return code;
  }
}

/** Prints --help or --version text; exit 0. */
export function printed(text: string): number {
  console.log(text);
  return exit_code.done;
}

/** The address a user should see: the bound one, or this machine's first outside address for a wildcard. */
export function shownAddress(bound: string): string {
  if (bound !== "0.0.0.0" && bound !== "::") return bound;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

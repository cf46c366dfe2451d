// What the entry files share: turning failures into messages and exit codes (the roles do the exiting).
import * as pc from "./colors.ts";
import { AppError, exit_code, NetworkError } from "./errors.ts";
import { printable } from "./printable.ts";

export function describeFailure(program: string, err: unknown): { code: number; message: string } {
  if (err instanceof AppError) return { code: err.exitCode, message: err.describe(program) };
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "EADDRINUSE")
    // listening() names it
    return { code: exit_code.network, message: `the port is already in use (${(err as Error).message})` };
  if (code === "EACCES" || code === "EADDRNOTAVAIL")
    return { code: exit_code.network, message: `cannot listen there: ${(err as Error).message}` };
  return {
    code: exit_code.internal,
    message: `internal error (a bug; please report it): ${(err as Error)?.stack ?? String(err)}`,
  };
}

/** Starts a listener; an address that cannot be had is the operator's to fix, named with its port. */
export async function listening<T>(what: string, host: string, port: number, start: () => T | Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const where = `${what} port ${port} on ${host}`;
    const flag = what === "HTTP" ? "--http HOST:PORT" : "--port";
    if (code === "EADDRINUSE")
      throw new NetworkError(
        `${where} is already in use (is another one running? ${flag} picks another; 0 any free one)`,
      );
    if (code === "EACCES") throw new NetworkError(`${where}: permission denied (ports below 1024 need privileges)`);
    if (code === "EADDRNOTAVAIL") throw new NetworkError(`${where}: ${host} is not an address of this machine`);
    throw err;
  }
}

/** Runs a role's main and turns any failure into its message on stderr and an exit code. */
export async function runMain(program: string, main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (err) {
    const { code, message } = describeFailure(program, err);
    const shown = printable(message, true);
    console.error(code === exit_code.cancelled ? shown : `${pc.red("error:")} ${shown}`);
    return code;
  }
}

/** Prints --help or --version text; exit 0. */
export function printHelp(text: string): number {
  console.log(text);
  return exit_code.done;
}

// Command-line flags: a thin layer over node:util parseArgs that turns its throws into UsageError values.
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";
import { isPort } from "./protocol.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseFlags<O extends Options>(argv: string[], options: O, positionalsMax: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
  if (parsed.positionals.length > positionalsMax) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionalsMax])}`);
  }
  return parsed;
}

export function parsePortFlag(name: string, text: string | undefined, fallback: number, allowZero = true): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || !(isPort(n) || (allowZero && n === 0))) {
    throw new UsageError(`--${name} must be a port number 0-65535, not ${JSON.stringify(text)}`);
  }
  return n;
}

export function parseCountFlag(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d{1,12}$/.test(text) || n < min) throw new UsageError(`--${name} must be a whole number >= ${min}, not ${JSON.stringify(text)}`);
  return n;
}

/** "HOST:PORT", "HOST", "[::1]:PORT" or ":PORT". */
export function parseHostPort(name: string, text: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: parsePortFlag(name, bracketed[2], defaultPort, false) };
  const colon = text.lastIndexOf(":");
  if (colon === -1 || text.indexOf(":") !== colon) return { host: text, port: defaultPort };
  const host = text.slice(0, colon) || "127.0.0.1";
  return { host, port: parsePortFlag(name, text.slice(colon + 1), defaultPort, false) };
}

/** Reads a file named by a flag; a file that cannot be read is the user's mistake, so a UsageError. */
export function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

export const version = "1.0.0";

// Command-line flags. Each role declares its options as one table (type, value name, help line); --help
// and the README's flag table come from that table; shared/args.ts reads the command line against it.
// Why not citty: measured here, it costs little (+0.7 ms start-up, +49 KB binary), but 0.2.2 accepts
// an unknown flag silently (exit 0) and suggests nothing, so this same layer would sit on top of it.
// Nothing here loads a built-in: `--version` and `--help` run this and no more (issue 28).
import { parseArgv } from "./args.ts";
import { UsageError } from "./errors.ts";
import { isPort } from "./tokens.ts";

/** One option of a role: what the parser needs, plus what --help shows (`value` names the argument). */
export type OptionSpec = {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  value?: string;
  help: string;
};
export type Options = Record<string, OptionSpec>;

/** Every command takes these; colors.ts itself reads --no-color from process.argv. */
export const common_options = {
  help: { type: "boolean", short: "h", help: "show this help" },
  version: { type: "boolean", short: "V", help: "show the version" },
  "no-color": { type: "boolean", help: "no colours (as NO_COLOR=1 does)" },
} as const satisfies Options;

export function parseFlags<O extends Options>(argv: string[], options: O, positionalsMax: number) {
  const parsed = parseArgv(argv, { ...common_options, ...options });
  // colors.ts reads --no-color from process.argv too; clack's styleText reads NO_COLOR when it draws.
  if (parsed.values["no-color"]) process.env.NO_COLOR = "1";
  if (parsed.positionals.length > positionalsMax) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionalsMax])}`);
  }
  return parsed;
}

export function parsePortFlag(name: string, text: string | undefined, fallback: number, allowZero = true): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || !(isPort(n) || (allowZero && n === 0))) {
    throw new UsageError(`--${name} must be a port number ${allowZero ? 0 : 1}-65535, not ${JSON.stringify(text)}`);
  }
  return n;
}

export function parseCountFlag(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d{1,12}$/.test(text) || n < min)
    throw new UsageError(`--${name} must be a whole number >= ${min}, not ${JSON.stringify(text)}`);
  return n;
}

const log_formats: readonly string[] = ["auto", "plain", "text", "json"];

/** --log-format: auto (the default), plain, text or json. */
export function parseLogFormat(text: string | undefined): string {
  if (text === undefined) return "auto";
  if (!log_formats.includes(text))
    throw new UsageError(`--log-format must be one of ${log_formats.join(", ")}, not ${JSON.stringify(text)}`);
  return text;
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

export const version = "1.0.0";

// The server's flags against hostile clients and floods: deadlines, the global reply cap, the log format.
import { parseCountFlag, parseLogFormat, type Options } from "../../../shared/flags.ts";
import * as limits from "../../../shared/limits.ts";
import { connectionCap, type ConnectionCap } from "./fd-cap.ts";

export { describeCap } from "./fd-cap.ts";

export const guard_options = {
  "login-timeout": {
    type: "string",
    value: "S",
    help:
      "close connections not logged in this many seconds after connecting, " +
      `a TLS handshake included (default ${limits.login_timeout_ms / 1000})`,
  },
  "line-timeout": {
    type: "string",
    value: "S",
    help: `close connections that take longer than this to finish a line (default ${limits.line_timeout_ms / 1000})`,
  },
  "max-queued-mb": {
    type: "string",
    value: "N",
    help:
      "unread reply megabytes held across all connections; past it the slowest readers are dropped " +
      `(default ${limits.queued_bytes_max / 1024 / 1024})`,
  },
  "log-format": {
    type: "string",
    value: "F",
    help:
      "auto (default: plain on a terminal, else text), plain, text (timestamp and level on each line)\n" +
      "or json (one object a line: ts, level, event, msg, fields)",
  },
} as const satisfies Options;

export type GuardSettings = {
  loginTimeoutMs: number;
  lineTimeoutMs: number;
  queuedBytesMax: number;
  logFormat: string;
  cap: ConnectionCap;
};

/** The flags read, and the descriptor limit raised: `cap` is --max-connections kept below what it leaves. */
export function readGuardSettings(
  values: Partial<Record<keyof typeof guard_options, string | undefined>>,
  connectionsMax: number,
): GuardSettings {
  return {
    loginTimeoutMs: parseCountFlag("login-timeout", values["login-timeout"], limits.login_timeout_ms / 1000) * 1000,
    lineTimeoutMs: parseCountFlag("line-timeout", values["line-timeout"], limits.line_timeout_ms / 1000) * 1000,
    queuedBytesMax:
      parseCountFlag("max-queued-mb", values["max-queued-mb"], limits.queued_bytes_max / 1024 / 1024) * 1024 * 1024,
    logFormat: parseLogFormat(values["log-format"]),
    cap: connectionCap(connectionsMax),
  };
}

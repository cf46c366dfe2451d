// The server's flags against hostile clients and floods: deadlines, the global reply cap, the log format.
import { UsageError } from "../../../shared/errors.ts";
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

/** The flags read, checked against the relations limits.ts checks for the defaults, and the descriptor limit raised. */
export function readGuardSettings(
  values: Partial<Record<keyof typeof guard_options, string | undefined>>,
  connectionsMax: number,
  otherSockets = 0,
): GuardSettings {
  return {
    ...readGuardTimings(values),
    logFormat: parseLogFormat(values["log-format"]),
    cap: connectionCap(connectionsMax, otherSockets),
  };
}

/** The deadlines and the reply cap, checked against the relations limits.ts checks for the defaults. */
export function readGuardTimings(
  values: Partial<Record<keyof typeof guard_options, string | undefined>>,
): limits.OperatorSettings {
  const settings = {
    loginTimeoutMs: parseCountFlag("login-timeout", values["login-timeout"], limits.login_timeout_ms / 1000) * 1000,
    lineTimeoutMs: parseCountFlag("line-timeout", values["line-timeout"], limits.line_timeout_ms / 1000) * 1000,
    queuedBytesMax:
      parseCountFlag("max-queued-mb", values["max-queued-mb"], limits.queued_bytes_max / 1024 / 1024) * 1024 * 1024,
  };
  checkRelations(settings);
  return settings;
}

function checkRelations(s: limits.OperatorSettings): void {
  const shown: Record<string, number> = {
    "--max-queued-mb": s.queuedBytesMax / 1024 / 1024,
    "--line-timeout": s.lineTimeoutMs / 1000,
    "--login-timeout": s.loginTimeoutMs / 1000,
  };
  for (const r of limits.operator_relations) {
    if (r.holds(s)) continue;
    const flags = r.flags.map((f) => `${f} ${shown[f]}`).join(" with ");
    throw new UsageError(`${flags} breaks a rule: ${r.what}; change ${r.flags.join(" or ")}`, { hint: false });
  }
}

// Bun's SQL client reports each failed attempt to subscribe again after a lost connection with
// console.warn (`bun:sql LISTEN "appointments_changes" failed, retrying: Failed to connect`), which
// would go to stderr around our log, once per attempt, uncounted. Those lines (and only those) are
// routed through the log instead: counted, and capped per second like every repeated cause.
import type { Log } from "../../../../shared/log.ts";

let routed = false;
let retries = 0;

/** Once per process: Bun's LISTEN retry warnings go to `log`; any other console.warn is left as it is. */
export function routeBunSqlWarnings(log: Log): void {
  if (routed) return;
  routed = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (!text.startsWith("bun:sql LISTEN")) return warn(...args);
    retries += 1;
    log.warn(`PostgreSQL: ${text.slice("bun:sql ".length)} (${retries} LISTEN retries so far)`, {
      event: "database.listen_retry",
      cause: "PostgreSQL LISTEN retries",
    });
  };
}

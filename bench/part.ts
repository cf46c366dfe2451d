// What every part of `bun run bench` is given, and how a part is declared (bench/parts.ts lists them).
import type { SessionKind } from "./loadgen.ts";
import { runSessions, runSessionsC } from "./loadgen.ts";
import { cpuSeconds } from "./procs.ts";
import { summarise } from "./report.ts";

export type PartContext = {
  /** Seconds per level (--seconds). */
  seconds: number;
  /** Concurrency levels of the session scenarios. */
  levels: number[];
  sessionsMax: number;
  /** Flags every server gets (--quiet-logs: ["--quiet"]). */
  extraFlags: string[];
  /** bench/loadgen.c, compiled: always for compare, scale, idle and staff-page. */
  loadgen: string;
  /** bench/loadgen.c for the session scenarios too, with --c-loadgen. */
  cLoadgen: string | undefined;
  /** --baseline DIST: an earlier build's binaries, measured beside this one in compare, scale and idle. */
  baseline: string | undefined;
  /** Whether a part was asked for (--only), for parts that add to another's rows (naive, doctor). */
  wanted: (part: string) => boolean;
};

/** A part of the bench: `--only NAME` runs just the named ones. It records rows and checks its targets. */
export type Part = { name: string; run: (ctx: PartContext) => Promise<void> };

/** The session scenario at each concurrency level, with the server's CPU per session. */
export async function sessionScenario(
  ctx: PartContext,
  name: string,
  server: { pid: number; port: number },
  session: (c: number) => SessionKind,
) {
  for (const c of ctx.levels) {
    const cpu0 = cpuSeconds(server.pid);
    const r = ctx.cLoadgen
      ? await runSessionsC(ctx.cLoadgen, server.port, session(c), c, ctx.sessionsMax, ctx.seconds)
      : await runSessions(server.port, session(c), c, ctx.sessionsMax, ctx.seconds);
    summarise(name, c, r, cpuSeconds(server.pid) - cpu0, server.pid);
  }
}

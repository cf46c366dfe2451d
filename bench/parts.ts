// Every part of `bun run bench`, in the order they run: `--only a,b` runs just those. A new part is
// one line here (its name and the function that measures it, recording rows and checking targets).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { auditVerifyMillion } from "./audit.ts";
import { calendarGeneration } from "./calendar.ts";
import { calendarServing } from "./calendar-server.ts";
import { commitCosts } from "./commit-costs.ts";
import { compareWithC } from "./compare.ts";
import { doctorQuotes, type QuoteServer } from "./doctor-quotes.ts";
import { idleConnections } from "./idle.ts";
import { startupTime } from "./latency.ts";
import type { Part, PartContext } from "./part.ts";
import { dist, work } from "./procs.ts";
import { bookingVsReadMostly, record } from "./report.ts";
import { availableAllFree, scaleRow, scales } from "./scale.ts";
import * as sessions from "./session-parts.ts";
import { patientStartup } from "./startup.ts";

export const parts: Part[] = [
  { name: "read-mostly", run: sessions.readMostly },
  { name: "mixed", run: sessions.mixed },
  { name: "soak", run: sessions.soak },
  { name: "naive", run: sessions.naiveReference },
  { name: "booking", run: sessions.booking },
  { name: "available", run: sessions.available },
  { name: "staff-page", run: sessions.staffPage },
  { name: "postgres", run: sessions.postgres },
  { name: "contention", run: sessions.contention },
  { name: "doctor", run: doctors },
  { name: "startup", run: startup },
  { name: "calendar", run: () => calendarGeneration() },
  { name: "calendar-server", run: (ctx) => calendarServing(ctx.seconds, ctx.extraFlags) },
  // Issue 25: booking with the audit on / off (same run, over TCP), and `audit verify` on a million records.
  { name: "audit", run: async (ctx) => (await commitCosts(ctx, "audit"), await auditVerifyMillion()) },
  // Issue 24: booking with the outbox on / off, same run, over TCP (the sender posting to a receiver).
  { name: "outbox", run: (ctx) => commitCosts(ctx, "outbox") },
  // Issue 23's rules (min notice, max ahead, ...): bench/rules.ts exports rulesBench(ctx) once it exists.
  { name: "rules", run: optional("rules.ts", "rulesBench") },
  { name: "compare", run: compare },
  { name: "scale", run: scale },
  { name: "idle", run: idle },
];

/** A part whose file may not be there yet: run when it is, said when it is not. */
function optional(file: string, name: string): Part["run"] {
  return async (ctx) => {
    const path = join(import.meta.dir, file);
    if (!existsSync(path)) return void console.log(`(bench/${file} is not there yet: no ${name} part)`);
    const part = (await import(path))[name] as Part["run"];
    await part(ctx);
  };
}

/** Doctor quotes beside the bare Bun UDP echo (always: the target is the ratio), and --baseline's doctor. */
async function doctors(ctx: PartContext) {
  const args = ["doc1", "--host", "127.0.0.1", "--port", "0", ...ctx.extraFlags];
  const list: QuoteServer[] = [
    { name: "doctor quotes", binary: "doctor", args },
    { name: "doctor quotes, naive reference", binary: "naive-doctor.ts", args: [] },
  ];
  if (ctx.baseline) list.push({ name: "doctor quotes, baseline", binary: join(ctx.baseline, "doctor"), args });
  await doctorQuotes(list, ctx.seconds);
}

async function startup() {
  record({
    scenario: "start-up to the listening line (median of 7)",
    server_ms: await startupTime(
      "healthcenterserver",
      ["--host", "127.0.0.1", "--port", "0", "--db", join(work, "startup.db")],
      /port number/,
    ),
    doctor_ms: await startupTime("doctor", ["doc1", "--host", "127.0.0.1", "--port", "0"], /static UDP port/),
  });
  await patientStartup();
}

/** This build, and --baseline's beside it when given. */
function builds(ctx: PartContext): (readonly [string, string])[] {
  const mine = ["this build", join(dist, "healthcenterserver")] as const;
  return ctx.baseline ? [mine, ["baseline", join(ctx.baseline, "healthcenterserver")] as const] : [mine];
}

/** CPU per session against a C epoll server. */
async function compare(ctx: PartContext) {
  const old = ctx.baseline && join(ctx.baseline, "healthcenterserver");
  await compareWithC(ctx.loadgen, ctx.seconds, ctx.extraFlags, old);
}

async function scale(ctx: PartContext) {
  const o = { loadgen: ctx.loadgen, seconds: ctx.seconds, extraFlags: ctx.extraFlags };
  for (const slots of scales) for (const [build, binary] of builds(ctx)) await scaleRow(slots, { ...o, binary, build });
  for (const [build, binary] of builds(ctx)) await availableAllFree(scales.at(-1)!, { ...o, binary, build });
  bookingVsReadMostly();
}

async function idle(ctx: PartContext) {
  for (const [build, binary] of builds(ctx))
    await idleConnections(ctx.loadgen, ctx.seconds, ctx.extraFlags, binary, build);
}

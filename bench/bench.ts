// `bun run bench`: starts the compiled server and doctors on loopback (logging on, to files), drives
// them with bench/loadgen.ts (or bench/loadgen.c), and prints tables and writes bench/results/latest.json.
//   bun bench/bench.ts [--seconds S] [--no-build] [--quiet-logs] [--only PARTS] [--c-loadgen] [--baseline DIST]
// The parts, and what each measures, are listed in bench/parts.ts; a missed target fails the run.
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "../scripts/build.ts";
import type { PartContext } from "./part.ts";
import { parts } from "./parts.ts";
import { compileC, dist, stopAll } from "./procs.ts";
import { writeResults } from "./report.ts";
import { bookedAndStored } from "./session-parts.ts";
import { reportTargets } from "./targets.ts";

const usage = `usage: bun bench/bench.ts [--seconds S] [--no-build] [--quiet-logs] [--only PARTS] [--c-loadgen]
                          [--baseline DIST]
  --seconds S      seconds per level (default 3)
  --no-build       use dist/ as it is
  --quiet-logs     servers and doctors with --quiet
  --only PARTS     comma-separated: ${parts.map((p) => p.name).join(", ")}
  --c-loadgen      drive sessions with bench/loadgen.c
  --baseline DIST  also measure an earlier build's executables`;

function parsed() {
  try {
    return parseArgs({
      options: {
        seconds: { type: "string" },
        "no-build": { type: "boolean" },
        "quiet-logs": { type: "boolean" },
        only: { type: "string" },
        "c-loadgen": { type: "boolean" },
        baseline: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}
const values = parsed();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
/** --only a,b: just those parts (names in bench/parts.ts); an unknown name is refused before anything runs. */
const only = values.only ? new Set(values.only.split(",")) : undefined;
const unknown = [...(only ?? [])].filter((name) => !parts.some((p) => p.name === name));
if (unknown.length > 0) {
  console.error(`bench: no part named ${unknown.join(", ")} (parts: ${parts.map((p) => p.name).join(", ")})`);
  process.exit(2);
}

async function main() {
  if (!values["no-build"]) await build(dist);
  const loadgen = compileC("loadgen");
  const ctx: PartContext = {
    seconds: Number(values.seconds ?? 3),
    levels: [1, 8, 64],
    sessionsMax: 60_000,
    extraFlags: values["quiet-logs"] ? ["--quiet"] : [],
    loadgen,
    cLoadgen: values["c-loadgen"] ? loadgen : undefined,
    baseline: values.baseline ? resolve(values.baseline) : undefined,
    wanted: (part) => !only || only.has(part),
  };
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `${ctx.seconds} s per level; logs to files${values["quiet-logs"] ? " (--quiet)" : ""}; ` +
      `sessions driven by ${ctx.cLoadgen ? "bench/loadgen.c" : "bench/loadgen.ts"}`,
  );
  for (const part of parts) if (ctx.wanted(part.name)) await part.run(ctx);
  const { booked, stored } = await bookedAndStored();
  writeResults(booked, stored, {
    loadGenerator: ctx.cLoadgen ? "bench/loadgen.c" : "bench/loadgen.ts",
    seconds: ctx.seconds,
  });
}

main().then(
  async () => {
    await stopAll("SIGTERM");
    if (!reportTargets()) process.exitCode = 1;
  },
  async (err) => {
    console.error(err);
    await stopAll("SIGKILL");
    process.exit(1);
  },
);

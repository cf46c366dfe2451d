// `bun run bench`: starts the compiled server and doctors on loopback (logging on, to files), drives
// them with bench/loadgen.ts (or bench/loadgen.c), and prints tables and writes bench/results/latest.json.
//   bun bench/bench.ts [--seconds S] [--no-build] [--quiet-logs] [--only PARTS] [--c-loadgen]
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "../scripts/build.ts";
import { compareWithC } from "./compare.ts";
import { postgresBooking } from "./postgres.ts";
import { pgContention } from "./pg-contention.ts";
import { idleConnections } from "./idle.ts";
import { runSessions, runSessionsC, type SessionKind } from "./loadgen.ts";
import { compileC, cpuSeconds, dist, rssMiB, start, stopAll, work } from "./procs.ts";
import { bookingVsReadMostly, record, summarise, writeResults } from "./report.ts";
import { availableLatency, startupTime } from "./latency.ts";
import { doctorQuotes } from "./doctor-quotes.ts";
import { writeBigData } from "./scale-data.ts";
import { availableAllFree, scaleRow, scales } from "./scale.ts";
import { staffPageCost } from "./staff-page.ts";
import { patientStartup } from "./startup.ts";
import { reportTargets } from "./targets.ts";
import { calendarGeneration } from "./calendar.ts";
import { calendarServing } from "./calendar-server.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    "no-build": { type: "boolean" },
    "quiet-logs": { type: "boolean" },
    only: { type: "string" },
    "c-loadgen": { type: "boolean" },
    baseline: { type: "string" },
  },
});
/** --baseline DIST: an earlier build's binaries (scripts/build.ts
 * --outdir DIST), measured beside this one in compare, scale and idle. */
const baseline = values.baseline ? resolve(values.baseline) : undefined;
/** --only read-mostly,mixed,naive,soak,booking,postgres,contention,available,staff-page,doctor,startup,calendar,
 * calendar-server,compare,scale,idle
 * runs just those parts. */
const only = values.only ? new Set(values.only.split(",")) : undefined;
const wanted = (part: string) => !only || only.has(part);
const seconds = Number(values.seconds ?? 3);
const levels = [1, 8, 64];
const sessions_per_level_max = 60_000;
/** Slots of the durable-booking schedule (100 doctors). */
const big_slots = 100_000;
const extraFlags = values["quiet-logs"] ? ["--quiet"] : [];
/** bench/loadgen.c, compiled here with the system's cc:
 * always for compare, scale and idle; with --c-loadgen for the rest. */
let cLoadgen: string | undefined;

async function sessionScenario(name: string, pid: number, port: number, session: (c: number) => SessionKind) {
  for (const c of levels) {
    const cpu0 = cpuSeconds(pid);
    const r = cLoadgen
      ? await runSessionsC(cLoadgen, port, session(c), c, sessions_per_level_max, seconds)
      : await runSessions(port, session(c), c, sessions_per_level_max, seconds);
    summarise(name, c, r, cpuSeconds(pid) - cpu0, pid);
  }
}

async function main() {
  if (!values["no-build"]) await build(dist);
  const cLoadgenAlways = compileC("loadgen");
  if (values["c-loadgen"]) cLoadgen = cLoadgenAlways;
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `${seconds} s per level; logs to files${values["quiet-logs"] ? " (--quiet)" : ""}; ` +
      `sessions driven by ${cLoadgen ? "bench/loadgen.c" : "bench/loadgen.ts"}`,
  );
  await seedScenarios();
  const { booked, stored } = await bookingScenarios(cLoadgenAlways);
  await doctorScenarios();
  await startupScenario();
  if (wanted("calendar")) await calendarGeneration();
  if (wanted("calendar-server")) await calendarServing(seconds, extraFlags);
  await scaleScenarios(cLoadgenAlways);
  writeResults(booked, stored, { loadGenerator: cLoadgen ? "bench/loadgen.c" : "bench/loadgen.ts", seconds });
}

/** Read-mostly, mixed, soak and the naive reference: the session scenarios on small schedules. */
async function seedScenarios() {
  // Read-mostly sessions on the seed schedule, slot 1 already booked.
  if (wanted("read-mostly")) {
    const seed = await start(
      "healthcenterserver",
      ["--host", "127.0.0.1", "--port", "0", "--db", join(work, "seed.db"), ...extraFlags],
      /port number: (\d+)/,
      join(work, "seed.log"),
    );
    await runSessions(seed.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5);
    await sessionScenario("read-mostly (seed)", seed.proc.pid, seed.port, () => ({
      kind: "read-mostly",
      bookedSlot: 1,
    }));
  }
  // Patients who manage their appointments, beside the read-mostly sessions: each session books a
  // fresh slot, lists its own, moves it to another fresh slot and cancels that (three commits).
  if (wanted("mixed")) {
    const dir = join(work, "mixed-data");
    writeBigData(dir, 200_000, 100);
    const mixed = await start(
      "healthcenterserver",
      [
        ...["--host", "127.0.0.1", "--port", "0", "--data", dir, "--db", join(work, "mixed.db")],
        ...["--bookings-per-patient", "0", ...extraFlags],
      ],
      /port number: (\d+)/,
      join(work, "mixed.log"),
    );
    const mixedSlots = { next: 1 };
    await sessionScenario("mixed: book, mine, move, cancel (200k slots)", mixed.proc.pid, mixed.port, () => ({
      kind: "mixed",
      slots: mixedSlots,
    }));
  }
  if (wanted("soak")) await soakScenario();
  if (wanted("naive")) {
    const naive = await start("naive-server.ts", [], /port number: (\d+)/, join(work, "naive.log"));
    await sessionScenario("read-mostly, naive reference", naive.proc.pid, naive.port, () => ({
      kind: "read-mostly",
      bookedSlot: 1,
    }));
  }
}

/** Memory over a longer run: RSS after each of several rounds should level off, not climb. */
async function soakScenario() {
  const soak = await start(
    "healthcenterserver",
    ["--host", "127.0.0.1", "--port", "0", "--db", join(work, "soak.db"), ...extraFlags],
    /port number: (\d+)/,
    join(work, "soak.log"),
  );
  await runSessions(soak.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5);
  const rss: number[] = [];
  let total = 0;
  for (let round = 0; round < 6; round++) {
    const r = await runSessions(soak.port, { kind: "read-mostly", bookedSlot: 1 }, 64, sessions_per_level_max, seconds);
    total += r.sessions;
    rss.push(+rssMiB(soak.proc.pid).toFixed(1));
  }
  const scenario = "soak: read-mostly at 64, RSS MiB after each round";
  record({ scenario, sessions: total, rss_mib: rss.join(" → ") });
}

/** Durable booking sessions on 100,000 slots over 100 doctors: SQLite, with a live staff page, PostgreSQL. */
async function bookingScenarios(loadgen: string): Promise<{ booked: number; stored: number }> {
  const slots = { next: 1 };
  let stored = NaN;
  const bigDir = join(work, "big");
  if (["booking", "available", "postgres", "staff-page", "contention"].some(wanted))
    writeBigData(bigDir, big_slots, 100);
  if (wanted("booking") || wanted("available")) {
    const big = await start(
      "healthcenterserver",
      [
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data",
        bigDir,
        "--db",
        join(work, "big.db"),
        "--bookings-per-patient",
        "0",
        ...extraFlags,
      ],
      /port number: (\d+)/,
      join(work, "big.log"),
    );
    const nextSlot = () => slots.next++;
    if (wanted("booking"))
      await sessionScenario("booking (100k slots)", big.proc.pid, big.port, () => ({ kind: "booking", slots }));
    if (wanted("available")) {
      await availableLatency(big.port, false, nextSlot);
      await availableLatency(big.port, true, nextSlot);
    }
    await Bun.sleep(50);
    stored = Number(
      Bun.spawnSync(["sqlite3", join(work, "big.db"), "select count(*) from bookings"]).stdout.toString() || NaN,
    );
  }
  // The same durable booking with one live staff page watching, against none, in the same run;
  // then with PostgreSQL as the store: one instance, then two sharing it.
  if (wanted("staff-page")) await staffPageCost(loadgen, bigDir, big_slots, seconds, extraFlags);
  if (wanted("postgres"))
    await postgresBooking(bigDir, { seconds, levels, sessionsMax: sessions_per_level_max, extraFlags });
  if (wanted("contention")) await pgContention(bigDir, { seconds, extraFlags });
  // Every slot handed out was confirmed (errors would show in the rows).
  return { booked: slots.next - 1, stored };
}

/** Doctor quotes, beside the naive reference doctor. */
async function doctorScenarios() {
  const doctors: [string, string, string[]][] = [
    ["doctor quotes", "doctor", ["doc1", "--host", "127.0.0.1", "--port", "0", ...extraFlags]],
  ];
  if (wanted("naive")) doctors.push(["doctor quotes, naive reference", "naive-doctor.ts", []]);
  if (wanted("doctor")) await doctorQuotes(doctors, seconds);
}

async function startupScenario() {
  if (!wanted("startup")) return;
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

/** CPU per session against a C epoll server, the scale table, idle connections; each beside --baseline when given. */
async function scaleScenarios(loadgen: string) {
  const builds = baseline
    ? ([
        ["this build", join(dist, "healthcenterserver")],
        ["baseline", join(baseline, "healthcenterserver")],
      ] as const)
    : ([["this build", join(dist, "healthcenterserver")]] as const);
  if (wanted("compare"))
    await compareWithC(loadgen, seconds, extraFlags, baseline && join(baseline, "healthcenterserver"));
  if (wanted("scale")) {
    for (const slots of scales)
      for (const [build, binary] of builds) await scaleRow(slots, { loadgen, seconds, extraFlags, binary, build });
    for (const [build, binary] of builds)
      await availableAllFree(scales.at(-1)!, { loadgen, seconds, extraFlags, binary, build });
    bookingVsReadMostly();
  }
  if (wanted("idle"))
    for (const [build, binary] of builds) await idleConnections(loadgen, seconds, extraFlags, binary, build);
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

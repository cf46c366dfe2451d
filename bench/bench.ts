// `bun run bench`: starts the compiled server and doctors on loopback (logging on, to files), drives
// them with bench/loadgen.ts (or bench/loadgen.c), and prints tables and writes bench/results/latest.json.
//   bun bench/bench.ts [--seconds S] [--no-build] [--quiet-logs] [--only PARTS] [--c-loadgen]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "../scripts/build.ts";
import { compareWithC } from "./compare.ts";
import { postgresBooking } from "./postgres.ts";
import { idleConnections } from "./idle.ts";
import { runQuotes, runSessions, runSessionsC, type RunResult, type SessionKind } from "./loadgen.ts";
import { compileC, cpuSeconds, dist, root, rssMiB, start, stopAll, work } from "./procs.ts";
import { printTables, record, rows, type Row } from "./report.ts";
import { availableAllFree, scaleRow, scales } from "./scale.ts";
import { staffPageCost } from "./staff-page.ts";

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
/** --only read-mostly,mixed,naive,soak,booking,postgres,available,staff-page,doctor,startup,compare,scale,idle
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

function writeBigData(dir: string, slots: number, doctors: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "users.txt"), "patient1 password111\npatient2 password222\n");
  const lines: string[] = [];
  for (let i = 1; i <= slots; i++) {
    const d = ((i - 1) % doctors) + 1;
    lines.push(`${i} Day${i % 7} ${String((i % 12) + 1).padStart(2, "0")}pm doc${d} ${40000 + d}`);
  }
  writeFileSync(join(dir, "availabilities.txt"), lines.join("\n") + "\n");
  for (let d = 1; d <= doctors; d++)
    writeFileSync(join(dir, `doc${d}.txt`), "insurance1 30\ninsurance2 20\ninsurance3 50\n");
}

function summarise(name: string, concurrency: number, r: RunResult, serverCpu: number, pid: number): Row {
  const row: Row = {
    scenario: name,
    concurrency,
    sessions: r.sessions,
    errors: r.errors,
    sessions_per_s: Math.round(r.sessions / r.seconds),
    p50_ms: +r.p50_ms.toFixed(3),
    p99_ms: +r.p99_ms.toFixed(3),
    max_ms: +r.max_ms.toFixed(3),
    server_cpu_us_per_session: +((serverCpu / Math.max(1, r.sessions + r.errors)) * 1e6).toFixed(1),
    server_rss_mib: +rssMiB(pid).toFixed(1),
  };
  return record(row);
}

async function sessionScenario(name: string, pid: number, port: number, session: (c: number) => SessionKind) {
  for (const c of levels) {
    const cpu0 = cpuSeconds(pid);
    const r = cLoadgen
      ? await runSessionsC(cLoadgen, port, session(c), c, sessions_per_level_max, seconds)
      : await runSessions(port, session(c), c, sessions_per_level_max, seconds);
    summarise(name, c, r, cpuSeconds(pid) - cpu0, pid);
  }
}

/** Raw line client for the single-request latency of `available`. */
async function availableLatency(port: number, bookBetween: boolean, nextSlot: () => number): Promise<Row> {
  let text = "";
  let wake = () => {};
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, b) => {
        text += b.toString("latin1");
        wake();
      },
    },
  });
  const until = async (end: (t: string) => boolean) => {
    while (!end(text)) await new Promise<void>((r) => (wake = r));
    const t = text;
    text = "";
    return t;
  };
  socket.write("authenticate patient1 password111\n");
  await until((t) => t.endsWith("\n"));
  const times: number[] = [];
  let lines = 0;
  for (let i = 0; i < 21; i++) {
    if (bookBetween) {
      socket.write(`selection ${nextSlot()}\n`);
      await until((t) => t.endsWith("\n"));
    }
    const t0 = performance.now();
    socket.write("available\n");
    const reply = await until((t) => t.endsWith("\n\n"));
    if (i > 0) times.push(performance.now() - t0); // the first fills the cache
    lines = reply.split("\n").length - 2;
  }
  socket.end();
  times.sort((a, b) => a - b);
  return record({
    scenario: `available, 100k slots${bookBetween ? ", a booking before each" : ""}`,
    free_slots_listed: lines,
    p50_ms: +times[10]!.toFixed(2),
    max_ms: +times.at(-1)!.toFixed(2),
  });
}

async function startupTime(binary: string, args: string[], ready: RegExp): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const proc = Bun.spawn([join(dist, binary), ...args], { cwd: work, stdout: "pipe", stderr: "ignore" });
    let text = "";
    for await (const chunk of proc.stdout) {
      text += Buffer.from(chunk).toString();
      if (ready.test(text)) break;
    }
    samples.push(performance.now() - t0);
    proc.kill("SIGKILL");
    await proc.exited;
  }
  samples.sort((a, b) => a - b);
  return +samples[3]!.toFixed(1);
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
  await scaleScenarios(cLoadgenAlways);
  writeResults(booked, stored);
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
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data",
        dir,
        "--db",
        join(work, "mixed.db"),
        "--bookings-per-patient",
        "0",
        ...extraFlags,
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
  if (wanted("booking") || wanted("available") || wanted("postgres") || wanted("staff-page"))
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
  // Every slot handed out was confirmed (errors would show in the rows).
  return { booked: slots.next - 1, stored };
}

/** Doctor quotes, beside the naive reference doctor. */
async function doctorScenarios() {
  const doctors: [string, string, string[]][] = [
    ["doctor quotes", "doctor", ["doc1", "--host", "127.0.0.1", "--port", "0", ...extraFlags]],
  ];
  if (wanted("naive")) doctors.push(["doctor quotes, naive reference", "naive-doctor.ts", []]);
  if (wanted("doctor")) await doctorQuotes(doctors);
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

function writeResults(booked: number, stored: number) {
  const result = {
    date: new Date().toISOString(),
    load_generator: cLoadgen ? "bench/loadgen.c" : "bench/loadgen.ts",
    machine: { cores: cpus().length, model: cpus()[0]?.model, memory_gib: Math.round(totalmem() / 2 ** 30) },
    seconds_per_level: seconds,
    booking_sessions_confirmed: booked,
    bookings_stored: stored,
    rows,
  };
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "latest.json"), JSON.stringify(result, null, 2));
  printTables();
  console.log(`\nbookings confirmed during the booking runs: ${booked}; stored: ${stored}`);
  console.log(`written: bench/results/latest.json`);
}

/** The target: durable booking
 * on 1,000,000 slots against read-mostly sessions (seed), both at 64 under loadgen.c. */
function bookingVsReadMostly() {
  const readMostly = rows.find(
    (r) => String(r.scenario).startsWith("CPU per read-mostly") && r.concurrency === 64,
  )?.ours_per_s;
  const booking = rows.find(
    (r) => r.scenario === "scale" && r.slots === 1_000_000 && r.build === "this build",
  )?.booking_sessions_per_s;
  if (typeof readMostly === "number" && typeof booking === "number") {
    record({
      scenario: "durable booking on 1,000,000 slots vs read-mostly (seed), both at 64, same run",
      booking_per_s: booking,
      read_mostly_per_s: readMostly,
      ratio: +(booking / readMostly).toFixed(2),
    });
  }
}

/** Our doctor beside the bare Bun UDP echo, in alternating rounds; the ratio is the two in the same run. */
async function doctorQuotes(doctors: [string, string, string[]][]) {
  const started = await Promise.all(
    doctors.map(([, binary, args]) => start(binary, args, /static UDP port (\d+)/, join(work, `${binary}.log`))),
  );
  for (const inFlight of [1, 16]) {
    const tally = doctors.map(() => ({ quotes: 0, seconds: 0, cpu: 0 }));
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < doctors.length; k++) {
        const d = (k + round) % doctors.length;
        const doctor = started[d]!;
        const cpu0 = cpuSeconds(doctor.proc.pid);
        const r = await runQuotes(doctor.port, inFlight, 5_000_000, seconds);
        tally[d]!.cpu += cpuSeconds(doctor.proc.pid) - cpu0;
        tally[d]!.quotes += r.quotes;
        tally[d]!.seconds += r.seconds;
      }
    }
    tally.forEach((t, d) =>
      record({
        scenario: doctors[d]![0],
        in_flight: inFlight,
        quotes: t.quotes,
        quotes_per_s: Math.round(t.quotes / t.seconds),
        doctor_cpu_us_per_quote: +((t.cpu / Math.max(1, t.quotes)) * 1e6).toFixed(2),
      }),
    );
    const rate = (t: { quotes: number; seconds: number }) => t.quotes / t.seconds;
    if (tally.length === 2)
      record({
        scenario: "doctor vs the bare Bun UDP echo, same run",
        in_flight: inFlight,
        rate_ratio: +(rate(tally[0]!) / rate(tally[1]!)).toFixed(3),
      });
  }
}

main().then(
  () => stopAll("SIGTERM"),
  async (err) => {
    console.error(err);
    await stopAll("SIGKILL");
    process.exit(1);
  },
);

// Start-up, as people wait for it: the server and doctor to their listening lines, and the patient
// (`patient --version`, and a whole piped seed session: log in, list, pick, the doctor's quote)
// beside a bare `bun build --compile` hello-world executable and a bare-Bun patient doing the same session
// (bench/naive-patient.ts, compiled the same way: the floor Bun itself sets), in alternating runs of the
// same bench run. Wall time from spawn to exit; CPU from the child's own rusage (user + system).
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dist, start, stop, work } from "./procs.ts";
import { fixed, record } from "./report.ts";
import { checkTarget } from "./targets.ts";

const runs = 21;
/** The patient against the hello-world executable, wall and CPU (issue 28). */
const patient_vs_hello_max = 1.2;
/** The patient's piped session against the bare-Bun patient's, wall and CPU: what is ours in it (issue 28). */
const patient_vs_naive_max = 1.05;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return +sorted[sorted.length >> 1]!.toFixed(2);
}

type Sample = { wallMs: number; cpuMs: number };

/** Runs a command to its exit with `input` on stdin; fails the bench if it does not exit 0. */
async function timed(cmd: string[], input: string): Promise<Sample> {
  const t0 = performance.now();
  const proc = Bun.spawn(cmd, { cwd: work, stdin: "pipe", stdout: "ignore", stderr: "pipe", env: { NO_COLOR: "1" } });
  proc.stdin.write(input);
  await proc.stdin.end();
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${err}`);
  const cpu = proc.resourceUsage()!.cpuTime;
  return { wallMs, cpuMs: Number(cpu.user + cpu.system) / 1000 };
}

/** `bun build --compile` of one source file, no other flag: the hello world and the bare-Bun patient. */
function compileBare(source: string, name: string): string {
  const binary = join(work, name);
  const r = Bun.spawnSync([process.execPath, "build", "--compile", source, "--outfile", binary], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bun build --compile ${source} failed: ${r.stderr.toString()}`);
  return binary;
}

function compileHello(): string {
  const source = join(work, "hello.ts");
  writeFileSync(source, 'console.log("hello");\n');
  return compileBare(source, "hello");
}

/**
 * A fresh copy of an executable, each measured the same way: on this machine's ext4 an executable as
 * `bun build --compile` wrote it (7 extents) ran 0.4-1.3 ms slower than a plain copy of it (1 extent), by
 * file, so whichever of the two builds was the unlucky one moved the ratio by up to 0.3 (issue 28).
 */
async function freshCopy(source: string, name: string): Promise<string> {
  const dir = join(work, "startup-bin");
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, name);
  await Bun.write(copy, Bun.file(source));
  chmodSync(copy, 0o755);
  return copy;
}

/** A server on a schedule of 200 slots (two doctors), and both doctors, for piped patient sessions. */
export async function seedSystem(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = join(work, "startup-data");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "users.txt"), "patient1 password111\npatient2 password222\n");
  const lines = Array.from({ length: 200 }, (_, i) => `${i + 1} Mon 0${(i % 9) + 1}am doc${(i % 2) + 1} 4${i % 2}000`);
  writeFileSync(join(dir, "availabilities.txt"), `${lines.join("\n")}\n`);
  for (const d of ["doc1", "doc2"]) writeFileSync(join(dir, `${d}.txt`), "insurance1 30\ninsurance2 20\n");
  const ready = /static UDP port (\d+)/;
  const doctors = await Promise.all(
    ["doc1", "doc2"].map((d) =>
      start("doctor", [d, "--host", "127.0.0.1", "--port", "0", "--quiet"], ready, join(work, `${d}-startup.log`)),
    ),
  );
  const server = await start(
    "healthcenterserver",
    [
      ...["--host", "127.0.0.1", "--port", "0", "--data", dir, "--db", join(work, "startup-session.db")],
      ...["--bookings-per-patient", "0", "--quiet"],
      ...doctors.flatMap((d, i) => ["--doctor", `doc${i + 1}=127.0.0.1:${d.port}`]),
    ],
    /port number: (\d+)/,
    join(work, "startup-server.log"),
  );
  return {
    port: server.port,
    stop: async () => {
      for (const p of [server, ...doctors]) await stop(p.proc);
    },
  };
}

/** The patient's start-up and a piped seed session against the hello-world executable, alternating. */
export async function patientStartup(): Promise<void> {
  // Copies, named so that the one executable runs the patient's role.
  const hello = await freshCopy(compileHello(), "hello");
  const patient = await freshCopy(join(dist, "patient"), "patient");
  const naive = await freshCopy(compileBare(join(import.meta.dir, "naive-patient.ts"), "naive-patient"), "naive");
  const system = await seedSystem();
  const taken: Record<"hello" | "version" | "session" | "naive", Sample[]> = {
    hello: [],
    version: [],
    session: [],
    naive: [],
  };
  try {
    const server = ["--server", `127.0.0.1:${system.port}`];
    for (let i = 0; i < runs + 1; i++) {
      const h = await timed([hello], "");
      const v = await timed([patient, "--version"], "");
      // Each session books a slot of its own (two a round, of 200 free).
      const s = await timed([patient, "patient1", ...server], `${2 * i + 1}\n`);
      const n = await timed([naive, "patient1", ...server], `${2 * i + 2}\n`);
      if (i === 0) continue; // the first run of each fills the page cache
      taken.hello.push(h);
      taken.version.push(v);
      taken.session.push(s);
      taken.naive.push(n);
    }
  } finally {
    await system.stop();
  }
  const wall = (k: keyof typeof taken) => median(taken[k].map((s) => s.wallMs));
  const cpu = (k: keyof typeof taken) => median(taken[k].map((s) => s.cpuMs));
  record({
    scenario: `patient start-up vs a bare bun build --compile hello world (median of ${runs}, alternating)`,
    hello_wall_ms: wall("hello"),
    hello_cpu_ms: cpu("hello"),
    version_wall_ms: wall("version"),
    version_cpu_ms: cpu("version"),
    session_wall_ms: wall("session"),
    session_cpu_ms: cpu("session"),
    naive_session_wall_ms: wall("naive"),
    naive_session_cpu_ms: cpu("naive"),
    version_wall_ratio: fixed(wall("version") / wall("hello"), 2),
    session_wall_ratio: fixed(wall("session") / wall("hello"), 2),
    // The floor: what a bare-Bun patient's session costs over the hello world, and ours over it.
    naive_vs_hello_wall: fixed(wall("naive") / wall("hello"), 2),
    naive_vs_hello_cpu: fixed(cpu("naive") / cpu("hello"), 2),
    session_vs_naive_wall: fixed(wall("session") / wall("naive"), 2),
    session_vs_naive_cpu: fixed(cpu("session") / cpu("naive"), 2),
  });
  checkTarget("patient --version, wall, vs hello world", wall("version") / wall("hello"), patient_vs_hello_max);
  checkTarget("patient --version, CPU, vs hello world", cpu("version") / cpu("hello"), patient_vs_hello_max);
  checkTarget("piped seed session, wall, vs hello world", wall("session") / wall("hello"), patient_vs_hello_max);
  checkTarget("piped seed session, CPU, vs hello world", cpu("session") / cpu("hello"), patient_vs_hello_max);
  checkTarget(
    "piped seed session, wall, vs the bare-Bun patient",
    wall("session") / wall("naive"),
    patient_vs_naive_max,
  );
  checkTarget("piped seed session, CPU, vs the bare-Bun patient", cpu("session") / cpu("naive"), patient_vs_naive_max);
}

// The bench's processes: start a binary with its log going to a file, read its CPU and memory
// from /proc, compile the C helpers, and stop everything at the end.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const root = join(import.meta.dir, "..");
export const dist = join(root, "dist");
export const work = mkdtempSync(join(tmpdir(), "appointments-bench-"));
// The folder goes when the process ends: one place for every script, those that never call stopAll too.
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const clockTicks = 100; // CLK_TCK on Linux
/** Open files for the processes of the idle-connections part: the hard limit (raising it needs CAP_SYS_RESOURCE). */
export const files_open_max = Number(Bun.spawnSync(["sh", "-c", "ulimit -Hn"]).stdout.toString().trim()) || 20_000;
const running: Subprocess[] = [];

export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime
}

/** The CPU seconds of a process's main thread alone (the others: the GC's helpers, Bun's I/O, workers). */
export function mainThreadCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Sessions, seconds, errors and the server's CPU seconds, added up over the rounds of a comparison. */
export type Tally = { cpu: number; sessions: number; seconds: number; errors: number };
export const emptyTally = (): Tally => ({ cpu: 0, sessions: 0, seconds: 0, errors: 0 });

/** Runs one round against the server `pid` and adds what it did, and the CPU the server spent, to `into`. */
export async function addRound(
  into: Tally,
  pid: number,
  round: () => Promise<{ sessions: number; seconds: number; errors: number }>,
): Promise<void> {
  const cpu0 = cpuSeconds(pid);
  const r = await round();
  into.cpu += cpuSeconds(pid) - cpu0;
  into.sessions += r.sessions;
  into.seconds += r.seconds;
  into.errors += r.errors;
}

export function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

export async function waitForLine(path: string, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = readFileSync(path, "utf8").match(pattern);
    if (m) return m;
    await Bun.sleep(2);
  }
  throw new Error(
    `no ${pattern} in ${path}:\n${readFileSync(path, "utf8")}` +
      (existsSync(`${path}.err`) ? readFileSync(`${path}.err`, "utf8") : ""),
  );
}

export type Started = { proc: Subprocess; port: number; ms: number };

/**
 * Starts a binary (dist/NAME, a bench .ts file, or an absolute path) with its log going to a
 * file, as a user would run it; `filesMax` raises its open-files limit (prlimit).
 */
export async function start(
  binary: string,
  args: string[],
  ready: RegExp,
  log: string,
  filesMax?: number,
): Promise<Started> {
  writeFileSync(log, "");
  const command = binary.startsWith("/")
    ? [binary]
    : binary.endsWith(".ts")
      ? [process.execPath, join(import.meta.dir, binary)]
      : [join(dist, binary)];
  const limit = filesMax ? ["prlimit", `--nofile=${filesMax}:${filesMax}`, "--"] : [];
  const t0 = performance.now();
  const proc = Bun.spawn([...limit, ...command, ...args], {
    cwd: work,
    stdout: Bun.file(log),
    stderr: Bun.file(`${log}.err`),
    env: { ...process.env, NO_COLOR: "1" },
  });
  running.push(proc);
  const m = await waitForLine(log, ready);
  return { proc, port: Number(m[1]), ms: performance.now() - t0 };
}

export async function stop(proc: Subprocess): Promise<void> {
  proc.kill("SIGTERM");
  await proc.exited;
  running.splice(running.indexOf(proc), 1);
}

/** Raises this process's own open-files limit (for the 10,000 client sockets of the idle part). */
export function raiseOwnFilesLimit(): void {
  Bun.spawnSync(["prlimit", "--pid", String(process.pid), `--nofile=${files_open_max}:${files_open_max}`]);
}

/** Compiles bench/NAME.c with the system's cc into the work directory. */
export function compileC(name: string): string {
  const binary = join(work, name);
  const cc = Bun.spawnSync(["cc", "-O2", "-o", binary, join(import.meta.dir, `${name}.c`)], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`cc ${name}.c failed: ${cc.stderr.toString()}`);
  return binary;
}

export async function stopAll(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  for (const p of running) p.kill(signal);
  await Promise.all(running.map((p) => p.exited));
}

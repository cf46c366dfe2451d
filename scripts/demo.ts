// The main demo: builds the executable, starts the server and both doctors on loopback, and replays
// the four cases of the seed transcripts with the compiled patient, then stops everything.
//   bun scripts/demo.ts [--no-build]
// It uses the seed's ports (21000, 41000, 42000) when they are free and free ones otherwise (it says
// which), and stops what it started however it ends: success, failure, Ctrl-C, SIGTERM, SIGHUP, or
// its output closing (`npm run demo | head`).
import { mkdtempSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pc from "picocolors";
import type { Subprocess } from "bun";
import { build } from "./build.ts";
import { cases } from "./demo-cases.ts";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");
const loopback = "127.0.0.1";
const colours = { server: pc.cyan, doc1: pc.magenta, doc2: pc.blue, patient1: pc.green, patient2: pc.yellow } as const;
type Who = keyof typeof colours;
const seed_ports: Record<"server" | "doc1" | "doc2", number> = { server: 21000, doc1: 41000, doc2: 42000 };
const start_timeout_ms = 10_000;
const stop_timeout_ms = 5_000;

const running: Subprocess[] = [];
let stopping: Promise<void> | undefined;
let outputClosed = false;
let work: string | undefined;

/** Writes to stdout unless it has closed (the reader went away: `npm run demo | head`). */
function say(text: string): void {
  if (!outputClosed) process.stdout.write(text);
}

function prefixed(who: Who, stream: ReadableStream<Uint8Array>, onText?: (all: string) => void): Promise<void> {
  const tag = colours[who](`[${who}]`.padEnd(11));
  let all = "";
  let partial = "";
  return (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = partial + decoder.decode(chunk, { stream: true });
      all += decoder.decode(chunk);
      const lines = text.split("\n");
      partial = lines.pop()!;
      for (const line of lines) say(`${tag} ${line}\n`);
      onText?.(all);
    }
    if (partial) say(`${tag} ${partial}\n`);
  })();
}

/** Starts a role on `port`; resolves with the port it reports, or undefined if it exited first (a taken port). */
async function tryStart(
  who: Who,
  args: string[],
  ready: RegExp,
): Promise<{ proc: Subprocess; port: number } | undefined> {
  const program = join(dist, who.startsWith("doc") ? "doctor" : "healthcenterserver");
  const proc = Bun.spawn([program, ...args], { cwd: work, stdout: "pipe", stderr: "pipe" });
  running.push(proc);
  if (stopping) proc.kill("SIGTERM");
  let timer: Timer | undefined;
  const port = await new Promise<number | undefined>((resolve, reject) => {
    void prefixed(who, proc.stdout, (all) => {
      const m = ready.exec(all);
      if (m) resolve(Number(m[1]));
    });
    void prefixed(who, proc.stderr);
    void proc.exited.then(() => resolve(undefined));
    timer = setTimeout(
      () => reject(new Error(`${who} did not start within ${start_timeout_ms / 1000} s`)),
      start_timeout_ms,
    );
  }).finally(() => clearTimeout(timer));
  return port === undefined ? undefined : { proc, port };
}

/** The seed's port if it is free, else any free one, said out loud. */
async function startRole(who: "server" | "doc1" | "doc2", args: string[], ready: RegExp): Promise<number> {
  const seed = seed_ports[who];
  const first = await tryStart(who, [...args, "--port", String(seed)], ready);
  if (first) {
    say(pc.dim(`(${who}: pid ${first.proc.pid}, ${loopback}:${first.port})\n`));
    return first.port;
  }
  if (stopping) throw new Error("stopped");
  const second = await tryStart(who, [...args, "--port", "0"], ready);
  if (!second) throw new Error(`${who} could not start on ${loopback} (see its error above)`);
  say(
    pc.bold(
      `(${who}: the seed's port ${seed} is taken on ${loopback}; ` +
        `using ${second.port} instead; pid ${second.proc.pid})\n`,
    ),
  );
  return second.port;
}

async function runPatient(
  who: "patient1" | "patient2",
  server: number,
  input: string,
): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn([join(dist, "patient"), who, "--server", `${loopback}:${server}`], {
    cwd: work,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.push(proc);
  let out = "";
  const streams = [prefixed(who, proc.stdout, (all) => (out = all)), prefixed(who, proc.stderr)];
  proc.stdin.write(input);
  await proc.stdin.end();
  const code = await proc.exited;
  await Promise.all(streams);
  await Bun.sleep(150); // let the server's and doctors' log lines for this case arrive before the next heading
  return { code, out };
}

async function main(noBuild: boolean): Promise<number> {
  if (!noBuild) await build(dist);
  work = mkdtempSync(join(tmpdir(), "appointments-demo-"));
  say(pc.bold(`\nStarting both doctors and the health center server on loopback (working directory ${work})\n\n`));
  const doc1 = await startRole("doc1", ["doc1", "--host", loopback], /static UDP port (\d+)/);
  const doc2 = await startRole("doc2", ["doc2", "--host", loopback], /static UDP port (\d+)/);
  const server = await startRole(
    "server",
    [
      "--host",
      loopback,
      "--db",
      join(work, "bookings.db"),
      "--doctor",
      `doc1=${loopback}:${doc1}`,
      "--doctor",
      `doc2=${loopback}:${doc2}`,
    ],
    /has port number: (\d+)/,
  );
  let failures = 0;
  for (const c of cases) {
    say(pc.bold(`\n=== ${c.title} ===\n`));
    const { code, out } = await runPatient(c.who, server, c.input);
    const missing = c.expect({ doc1, doc2 }).filter((re) => !re.test(out));
    const ok = code === c.code && missing.length === 0;
    if (!ok) failures++;
    say(
      ok
        ? pc.green(`--- as in the seed (exit ${code})\n`)
        : pc.red(`--- NOT as in the seed: exit ${code} (expected ${c.code}); missing ${missing.join(", ")}\n`),
    );
  }
  say(
    pc.bold(
      failures === 0
        ? "\nAll four seed cases behaved as in the transcripts.\n"
        : `\n${failures} seed case(s) differed.\n`,
    ),
  );
  say(tryItYourself());
  return failures === 0 ? 0 : 1;
}

function tryItYourself(): string {
  return `
${pc.bold("Try the interactive menu yourself")}, each in its own terminal:
  dist/healthcenterserver              (TCP 21000)
  dist/doctor doc1                     (UDP 41000)
  dist/doctor doc2                     (UDP 42000)
  dist/patient patient1                a menu: pick a slot with the arrow keys and Enter
Add --port N (and --server 127.0.0.1:N for the patient) if those ports are taken; Ctrl-C stops each.
`;
}

/** Stops every process the demo started (SIGTERM, then SIGKILL after a bound), once, and removes its files. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const p of running) p.kill("SIGTERM");
    const timer = setTimeout(() => {
      for (const p of running) p.kill("SIGKILL");
    }, stop_timeout_ms);
    await Promise.all(running.map((p) => p.exited));
    clearTimeout(timer);
    if (work) rmSync(work, { recursive: true, force: true });
  })();
  return stopping;
}

function finish(code: number, message?: string): void {
  if (message) writeSync(2, `${message}\n`);
  void stopAll().then(() => process.exit(code));
}

for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const) {
  process.once(signal, () => finish(code, pc.yellow(`demo: ${signal}; stopping what it started`)));
}
process.stdout.on("error", () => {
  outputClosed = true; // the reader is gone; there is no one left to show the rest to
  finish(141); // as a shell reports a program ended by a closed pipe
});

let flags;
try {
  flags = parseArgs({ options: { "no-build": { type: "boolean" } }, strict: true }).values;
} catch (err) {
  writeSync(
    2,
    `demo: ${(err as Error).message.split(".")[0]} (it takes only --no-build; ports are picked by itself)\n`,
  );
  process.exit(2);
}
main(flags["no-build"] ?? false).then(
  (code) => finish(code),
  (err) => finish(1, stopping ? undefined : pc.red(`demo failed: ${(err as Error).message}`)),
);

// The main demo: builds the binaries, starts the server and both doctors on loopback, and replays
// the four cases of the seed transcripts with the compiled patient, then stops everything.
//   bun scripts/demo.ts [--no-build] [--port-base N]   (ports default to the seed's 21000/41000/42000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pc from "picocolors";
import type { Subprocess } from "bun";
import { build } from "./build.ts";

const { values } = parseArgs({ options: { "no-build": { type: "boolean" } } });
const root = join(import.meta.dir, "..");
const dist = join(root, "dist");
const work = mkdtempSync(join(tmpdir(), "appointments-demo-"));
const colours = { server: pc.cyan, doc1: pc.magenta, doc2: pc.blue, patient1: pc.green, patient2: pc.yellow } as const;
type Who = keyof typeof colours;
const running: Subprocess[] = [];

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
      for (const line of lines) process.stdout.write(`${tag} ${line}\n`);
      onText?.(all);
    }
    if (partial) process.stdout.write(`${tag} ${partial}\n`);
  })();
}

async function startRole(who: Who, args: string[], ready: RegExp): Promise<Subprocess> {
  const proc = Bun.spawn([join(dist, who.startsWith("doc") ? "doctor" : "healthcenterserver"), ...args], {
    cwd: work, stdout: "pipe", stderr: "pipe", env: { ...process.env },
  });
  running.push(proc);
  const up = new Promise<void>((resolve, reject) => {
    void prefixed(who, proc.stdout, (all) => ready.test(all) && resolve());
    void prefixed(who, proc.stderr);
    void proc.exited.then((code) => reject(new Error(`${who} exited with ${code} while starting (is the port in use?)`)));
  });
  await Promise.race([up, Bun.sleep(10_000).then(() => { throw new Error(`${who} did not start within 10 s`); })]);
  return proc;
}

async function runPatient(who: "patient1" | "patient2", input: string): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn([join(dist, "patient"), who], { cwd: work, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let out = "";
  const streams = [prefixed(who, proc.stdout, (all) => (out = all)), prefixed(who, proc.stderr)];
  proc.stdin.write(input);
  await proc.stdin.end();
  const code = await proc.exited;
  await Promise.all(streams);
  await Bun.sleep(150); // let the server's and doctors' log lines for this case arrive before the next heading
  return { code, out };
}

type Case = { title: string; who: "patient1" | "patient2"; input: string; code: number; expect: RegExp[] };
const cases: Case[] = [
  { title: "Case 1: patient1 books slot 2 and gets $40 from doctor port 42000", who: "patient1", input: "2\n", code: 0,
    expect: [/reserved to Patient1\. The assigned doctor port number is 42000/, /Cost\s+40/] },
  { title: "Case 2: patient1 enters 8, which is not in the schedule, and is asked again", who: "patient1", input: "8\n", code: 2,
    expect: [/enter:\n8\nPlease enter the preferred appointment index and press enter:/] },
  { title: "Case 3: patient2 books slot 3 and gets $20 from doctor port 41000", who: "patient2", input: "3\n", code: 0,
    expect: [/reserved to Patient2\. The assigned doctor port number is 41000/, /Cost\s+20/] },
  { title: "Case 4: patient2 asks for slot 3 again and is refused", who: "patient2", input: "3\n", code: 1,
    expect: [/from Patient2 is not available\.----->Exiting/] },
];

async function main(): Promise<number> {
  if (!values["no-build"]) await build(dist);
  console.log(pc.bold(`\nStarting the health center server and both doctors on loopback (working directory ${work})\n`));
  await startRole("server", ["--host", "127.0.0.1", "--db", join(work, "bookings.db")], /has port number/);
  await startRole("doc1", ["doc1", "--host", "127.0.0.1"], /static UDP port/);
  await startRole("doc2", ["doc2", "--host", "127.0.0.1"], /static UDP port/);
  let failures = 0;
  for (const c of cases) {
    console.log(pc.bold(`\n=== ${c.title} ===`));
    const { code, out } = await runPatient(c.who, c.input);
    const missing = c.expect.filter((re) => !re.test(out));
    const ok = code === c.code && missing.length === 0;
    if (!ok) failures++;
    console.log(ok ? pc.green(`--- as in the seed (exit ${code})`) : pc.red(`--- NOT as in the seed: exit ${code} (expected ${c.code}); missing ${missing.join(", ")}`));
  }
  console.log(pc.bold(failures === 0 ? "\nAll four seed cases behaved as in the transcripts." : `\n${failures} seed case(s) differed.`));
  return failures === 0 ? 0 : 1;
}

const stopAll = async () => {
  for (const p of running) p.kill("SIGTERM");
  await Promise.all(running.map((p) => p.exited));
  rmSync(work, { recursive: true, force: true });
};
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
main().then(
  async (code) => { await stopAll(); process.exit(code); },
  async (err) => { console.error(pc.red(`demo failed: ${(err as Error).message}`)); await stopAll(); process.exit(1); },
);

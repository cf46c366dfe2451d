// The README's main job: `npm run demo` replays the four seed cases and cleans up after itself,
// whether it finishes, is interrupted, is terminated or loses its output pipe, and whether or not
// the seed's ports are free.
import { beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "../scripts/build.ts";
import { bun, child_env, loopback, Output, root, runToEnd } from "./helpers.ts";

const demo = [bun, "scripts/demo.ts", "--no-build"];
beforeAll(() => build(join(root, "dist")), 60_000);

/** Whether a process is still running (a zombie has finished). */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

const startedPids = (out: string) =>
  [...out.matchAll(/\((?:server|doc1|doc2): [^)]*pid (\d+)/g)].map((m) => Number(m[1]));

test("the demo replays the four seed cases, shows every role, prints no password, ends with how to try the menu, and exits 0", async () => {
  const r = await runToEnd([bun, "scripts/demo.ts"], "", 60_000);
  const out = r.stdout + r.stderr;
  expect(r.code).toBe(0);
  for (const tag of ["[server]", "[doc1]", "[doc2]", "[patient1]", "[patient2]"]) expect(out).toContain(tag);
  expect(out.match(/--- as in the seed/g)?.length).toBe(4);
  expect(out).toContain("All four seed cases behaved as in the transcripts.");
  expect(out).toContain("The Health Center Server has stopped");
  expect(r.stdout).toMatch(/Try the interactive menu yourself[^]*dist\/patient patient1 +a menu/);
  expect(out).not.toContain("password111");
  expect(out).not.toContain("password222");
  for (const pid of startedPids(r.stdout)) expect(alive(pid)).toBe(false);
});

test("with the seed's ports taken, the demo picks free ones, says which, and still passes", async () => {
  const held: { close: () => void }[] = [];
  const taken: string[] = [];
  try {
    const listener = Bun.listen({ hostname: loopback, port: 21000, socket: { data() {} } });
    held.push({ close: () => listener.stop(true) });
  } catch {
    /* already taken by something else: the demo must cope all the same */
  }
  taken.push("server: the seed's port 21000");
  for (const [who, port] of [
    ["doc1", 41000],
    ["doc2", 42000],
  ] as const) {
    try {
      held.push(await Bun.udpSocket({ hostname: loopback, port }));
    } catch {
      /* as above */
    }
    taken.push(`${who}: the seed's port ${port}`);
  }
  try {
    const r = await runToEnd(demo, "", 60_000);
    expect(r.code).toBe(0);
    for (const line of taken) expect(r.stdout).toContain(`(${line} is taken on ${loopback}; using `);
    expect(r.stdout.match(/--- as in the seed/g)?.length).toBe(4);
  } finally {
    for (const h of held) h.close();
  }
});

for (const [signal, code] of [
  ["SIGTERM", 143],
  ["SIGINT", 130],
] as const) {
  test(`${signal} to the demo stops the server and doctors it started`, async () => {
    const proc = Bun.spawn(demo, { cwd: root, env: child_env, stdout: "pipe", stderr: "pipe" });
    const out = new Output(proc.stdout);
    await out.waitFor(/\(server: [^)]*pid \d+/, 20_000);
    const pids = startedPids(out.text);
    expect(pids).toHaveLength(3);
    proc.kill(signal);
    expect(await proc.exited).toBe(code);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
}

test("`demo | head`: when its output pipe closes, the demo stops everything it started", async () => {
  const script = `${demo.map((a) => `'${a}'`).join(" ")} | head -n 30; echo "demo exit \${PIPESTATUS[0]}" >&2`;
  const r = await runToEnd(["bash", "-c", script], "", 60_000);
  const pids = startedPids(r.stdout);
  expect(pids).toHaveLength(3);
  expect(r.stderr).toContain("demo exit 141");
  for (const pid of pids) expect(alive(pid)).toBe(false);
});

test("the demo rejects flags it does not have", async () => {
  const r = await runToEnd([bun, "scripts/demo.ts", "--port-base", "30000"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("it takes only --no-build");
});

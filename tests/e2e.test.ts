// End to end: build the three binaries, run them from a directory with no checkout, and replay
// the four seed cases through them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { build } from "../scripts/build.ts";
import { child_env, loopback, onTerminal, Output, runToEnd, tempDir, type Terminal } from "./helpers.ts";

const tmp = tempDir();
const dist = join(tmp.dir, "dist");
const work = join(tmp.dir, "elsewhere");
const bin = (name: string) => join(dist, name);
const running: { kill: (signal?: NodeJS.Signals) => void; exited: Promise<number> }[] = [];

async function startBinary(args: string[], ready: RegExp) {
  await Bun.write(join(work, ".keep"), "");
  const proc = Bun.spawn(args, { cwd: work, env: child_env, stdout: "pipe", stderr: "pipe" });
  running.push(proc);
  const out = new Output(proc.stdout);
  const m = await out.waitFor(ready);
  return { port: Number(m[1]), out };
}

let server: Awaited<ReturnType<typeof startBinary>>;
let doc1: Awaited<ReturnType<typeof startBinary>>;
let doc2: Awaited<ReturnType<typeof startBinary>>;

beforeAll(async () => {
  await build(dist);
  doc1 = await startBinary([bin("doctor"), "doctor1", "--host", loopback, "--port", "0"], /static UDP port (\d+)/);
  doc2 = await startBinary([bin("doctor"), "doctor2", "--host", loopback, "--port", "0"], /static UDP port (\d+)/);
  server = await startBinary(
    [
      bin("healthcenterserver"),
      "--host",
      loopback,
      "--port",
      "0",
      "--db",
      join(work, "b.db"),
      "--doctor",
      `doc1=${loopback}:${doc1.port}`,
      "--doctor",
      `doc2=${loopback}:${doc2.port}`,
    ],
    /has port number: (\d+)/,
  );
}, 120_000);

afterAll(async () => {
  for (const p of running) p.kill("SIGTERM");
  const codes = await Promise.all(running.map((p) => p.exited));
  tmp.cleanup();
  expect(codes).toEqual(codes.map(() => 0));
});

const outputs: string[] = [];
const patient = async (who: string, input: string) => {
  const r = await runToEnd([bin("patient"), who, "--server", `${loopback}:${server.port}`], input);
  outputs.push(r.stdout, r.stderr);
  return r;
};

describe("the four seed cases through the compiled binaries", () => {
  test("case 1: patient1 books 2 and pays $40 at doc2", async () => {
    const r = await patient("patient1", "2\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`reserved to Patient1. The assigned doctor port number is ${doc2.port}`);
    expect(r.stdout).toContain(
      `Phase3: Patient1 receive $ 40 estimation cost from doctor with port number ${doc2.port}`,
    );
    await server.out.waitFor(/confirms the following appointment 2 to patient with username patient1/);
    await doc2.out.waitFor(/Doctor2 has sent estimated price \$ 40/);
  });

  test("case 2: patient1 enters 8 and is asked again", async () => {
    const r = await patient("patient1", "8\n");
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("1 Tue 01pm\n3 Thu 02pm\n4 Wed 10am\n5 Sat 12pm\n6 Fri 04pm\n");
    expect(r.stdout).toMatch(/enter:\n8\nPlease enter the preferred appointment index and press enter:\n$/);
    await server.out.waitFor(/Receiving invalid time index, let patient re-enter/);
  });

  test("case 3: patient2 books 3 and pays $20 at doc1", async () => {
    const r = await patient("patient2", "3\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Cost\s+20/);
    expect(r.stdout).toContain(`Doctors port number      ${doc1.port}`);
    await doc1.out.waitFor(/name Patient2 with the insurance plan insurance2/);
  });

  test("case 4: patient2 asks for 3 again and is refused", async () => {
    const r = await patient("patient2", "3\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("1 Tue 01pm\n4 Wed 10am\n5 Sat 12pm\n6 Fri 04pm\n");
    expect(r.stdout).toContain("The requested appointment from Patient2 is not available.----->Exiting");
    await server.out.waitFor(/rejects the following appointment 3 to patient with username patient2/);
  });
});

describe("every binary", () => {
  test("--help and --version answer, exit 0", async () => {
    for (const name of ["healthcenterserver", "doctor", "patient"]) {
      const help = await runToEnd([bin(name), "--help"]);
      outputs.push(help.stdout);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage:");
      const version = await runToEnd([bin(name), "--version"]);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  test("an unknown flag is a usage error, exit 2", async () => {
    for (const name of ["healthcenterserver", "doctor", "patient"]) {
      const r = await runToEnd([bin(name), "--frobnicate"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--help");
    }
  });
});

test("no seed password appears in any output of the seed cases", () => {
  const all = [...outputs, server.out.text, doc1.out.text, doc2.out.text].join("\n");
  expect(all).toContain("Phase3: End of Phase3 for Patient2");
  expect(all).not.toContain("password111");
  expect(all).not.toContain("password222");
});

describe("the patient on a real terminal (tmux)", () => {
  const hasTmux = Bun.which("tmux") !== null;
  /** Runs the patient on a fresh terminal. */
  const patientOnTerminal = (name: string) =>
    onTerminal(name, `${bin("patient")} patient1 --server ${loopback}:${server.port}; echo EXIT=$?; sleep 30`);

  /** Presses Down until the focused option of the open select is the line containing `label`, then Enter. */
  async function choose(term: Terminal, label: string) {
    const lines = term.screen().split("\n");
    const prompt = lines.findLastIndex((l) => l.includes("◆"));
    const options = lines.slice(prompt + 1).filter((l) => /[●○]/.test(l));
    const focused = options.findIndex((l) => l.includes("●"));
    const wanted = options.findIndex((l) => l.includes(label));
    if (wanted < focused) throw new Error(`${label} is not below the focused option:\n${term.screen()}`);
    for (let i = focused; i < wanted; i++) term.keys("Down");
    await Bun.sleep(100);
    term.keys("Enter");
  }

  test.skipIf(!hasTmux)("Ctrl-C at the menu cancels cleanly and books nothing", async () => {
    const term = patientOnTerminal("cancel");
    const { waitScreen } = term;
    try {
      await waitScreen(/What would you like to do\?/);
      term.keys("C-c");
      const final = await waitScreen(/EXIT=\d/);
      expect(final).toContain("Cancelled; nothing was booked.");
      expect(final).toContain("EXIT=130");
      expect(final).not.toContain("error:");
      expect(final).not.toContain("--help");
      expect(final).not.toContain("    at ");
    } finally {
      term.close();
    }
  });

  test.skipIf(!hasTmux)(
    "clack: appointments listed, a slot booked with its price after a confirm step, then cancelled",
    async () => {
      const term = patientOnTerminal("pick");
      const { screen, waitScreen } = term;
      try {
        await waitScreen(/What would you like to do\?/);
        expect(screen()).toMatch(/You have no appointments yet|Your appointments/);
        term.keys("Enter");
        await waitScreen(/Pick an appointment[\s\S]*Back/);
        expect(screen()).toMatch(/Doctor\d · about \$\d+/);
        term.keys("Down");
        await Bun.sleep(100);
        term.keys("Enter");
        const asked = /Book (\w+ \w+) with (Doctor\d), about \$(\d+)\?/.exec(
          await waitScreen(/Book \w+ \w+ with Doctor\d, about \$\d+\?/),
        )!;
        // The price is the doctor's for insurance1: doc1 30, doc2 40.
        expect(asked[3]).toBe(asked[2] === "Doctor1" ? "30" : "40");
        term.keys("Enter");
        await waitScreen(/Booked[\s\S]*What would you like to do\?/);
        expect(screen()).toMatch(new RegExp(`Doctor\\s+${asked[2]}`));
        expect(screen()).toMatch(new RegExp(`Price\\s+about \\$${asked[3]}`));
        await choose(term, "Cancel one");
        await waitScreen(/Which appointment do you want to cancel\?/);
        await choose(term, `${asked[1]} with ${asked[2]}`);
        await waitScreen(/Cancel \w+ \w+ with Doctor\d\?/);
        term.keys("Enter");
        await waitScreen(new RegExp(`Cancelled ${asked[1]} with ${asked[2]}\\.[\\s\\S]*What would you like to do\\?`));
        await choose(term, "Quit");
        const final = await waitScreen(/EXIT=\d/);
        expect(final).toContain("Goodbye.");
        expect(final).toContain("EXIT=0");
      } finally {
        term.close();
      }
    },
  );
});
